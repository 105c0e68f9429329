package dev.stowage.engine.redact;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 10, case 12: what the one Redactor removes, and what it keeps. */
class RedactorTest {
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  private static final String TOKEN = "IQoJb3JpZ2luX2VjEPr//////////wEaCXVz+LWVh/c3Qt==";
  private static final String SIG =
      "1d861ecf511710228f4a950482053ae44eb19f665add906c38e8ca1f1025bae4";
  private final Redactor redactor =
      Redactor.fromEnvironment(
          Map.of(
              "AWS_SECRET_ACCESS_KEY",
              SECRET,
              "AWS_SESSION_TOKEN",
              TOKEN,
              "AWS_ACCESS_KEY_ID",
              "AKIAIOSFODNN7EXAMPLE",
              "HOME",
              "/root"));

  @Test
  void authorizationHeaderValueIsRemovedAndTheRestKept() {
    String in =
        "cannot look up s3://b/k: HTTP 400 | Authorization: AWS4-HMAC-SHA256"
            + " Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/s3/aws4_request,"
            + " SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="
            + SIG
            + " | Host: 127.0.0.1:9000";
    String out = redactor.redact(in);
    assertThat(out)
        .doesNotContain(SIG)
        .doesNotContain("AKIAIOSFODNN7EXAMPLE/")
        .startsWith("cannot look up s3://b/k: HTTP 400 | Authorization: ***")
        .endsWith(" | Host: 127.0.0.1:9000");
    assertThat(
            redactor.redact(
                "{Authorization=[AWS4-HMAC-SHA256 Credential=A/b, Signature="
                    + SIG
                    + "], Host=[h]}"))
        .isEqualTo("{Authorization=[***], Host=[h]}");
    assertThat(redactor.redact("authorization: Bearer abc.def.ghi"))
        .isEqualTo("authorization: ***");
  }

  @Test
  void sseCustomerKeyHeadersAreRemovedAndTheKeyMd5Kept() {
    String key = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=";
    assertThat(
            redactor.redact(
                "x-amz-server-side-encryption-customer-key: "
                    + key
                    + "\nX-Amz-Server-Side-Encryption-Customer-Key-MD5: bWQ1\n"))
        .isEqualTo(
            "x-amz-server-side-encryption-customer-key: ***\n"
                + "X-Amz-Server-Side-Encryption-Customer-Key-MD5: bWQ1\n");
    assertThat(redactor.redact("PutObjectRequest(SSECustomerKey=" + key + ", SSECustomerKeyMD5=m)"))
        .isEqualTo("PutObjectRequest(SSECustomerKey=***, SSECustomerKeyMD5=m)");
    assertThat(
            redactor.redact(
                "{\"x-amz-copy-source-server-side-encryption-customer-key\": \"" + key + "\"}"))
        .doesNotContain(key);
  }

  @Test
  void secretsAddedAtRunTimeAreRemovedLikeTheEnvironments() {
    Redactor r = Redactor.fromEnvironment(Map.of());
    String key = "c2VjcmV0LWtleS1ieXRlcy0zMi1sb25nLWFhYWFhYWE=";
    r.addSecret(key);
    r.addSecret("short");
    assertThat(r.redact("echo " + key + " and " + URLEncoder.encode(key, StandardCharsets.UTF_8)))
        .isEqualTo("echo *** and ***");
    assertThat(r.redact("a short word")).isEqualTo("a short word");
  }

  @Test
  void amzHeadersAndPresignedQueryValuesAreRemovedInAnyCase() {
    assertThat(redactor.redact("X-amz-security-token: " + "Zm9vYmFyYmF6cXV4" + "; next"))
        .isEqualTo("X-amz-security-token: ***; next");
    String url =
        "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1"
            + "%2Fs3%2Faws4_request&X-Amz-Security-Token=abc%2Bdef&X-Amz-Signature="
            + SIG
            + "&x-id=GetObject";
    assertThat(redactor.redact(url))
        .isEqualTo(
            "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***"
                + "&X-Amz-Security-Token=***&X-Amz-Signature=***&x-id=GetObject");
    assertThat(redactor.redact("SigV2: ?AWSAccessKeyId=AKID&Signature=abc%2Fdef&Expires=1"))
        .isEqualTo("SigV2: ?AWSAccessKeyId=AKID&Signature=***&Expires=1");
    assertThat(redactor.redact("{\"x-amz-security-token\": \"tok123456\"}"))
        .isEqualTo("{\"x-amz-security-token\": \"***\"}");
    assertThat(redactor.redact("aws_secret_access_key = abcdefgh1234 and more"))
        .isEqualTo("aws_secret_access_key = *** and more");
  }

  @Test
  void signingDetailsOfSignatureDoesNotMatchAreRemoved() {
    String body =
        "<Error><Code>SignatureDoesNotMatch</Code><StringToSign>AWS4-HMAC-SHA256\n20260101"
            + "</StringToSign><SignatureProvided>"
            + SIG
            + "</SignatureProvided><CanonicalRequest>GET\n/\nx-amz-security-token:zzz\n"
            + "</CanonicalRequest></Error>";
    assertThat(redactor.redact(body))
        .isEqualTo(
            "<Error><Code>SignatureDoesNotMatch</Code><StringToSign>***</StringToSign>"
                + "<SignatureProvided>***</SignatureProvided>"
                + "<CanonicalRequest>***</CanonicalRequest></Error>");
  }

  @Test
  void literalSecretValuesAreRemovedPlainAndUrlEncoded() {
    assertThat(redactor.redact("debug: key " + SECRET + " token " + TOKEN + "."))
        .isEqualTo("debug: key *** token ***.");
    assertThat(redactor.redact("q=" + URLEncoder.encode(TOKEN, StandardCharsets.UTF_8) + " end"))
        .isEqualTo("q=*** end");
    assertThat(redactor.redact("the access key AKIAIOSFODNN7EXAMPLE is not secret; /root"))
        .isEqualTo("the access key AKIAIOSFODNN7EXAMPLE is not secret; /root");
  }

  @Test
  void shortOrMissingSecretsAndOrdinaryMessagesAreLeftAlone() {
    Redactor r = Redactor.fromEnvironment(Map.of("AWS_SECRET_ACCESS_KEY", "abc"));
    String msg =
        "cannot download s3://b/ns/db/b1/3-0: SignatureDoesNotMatch: the secret key does not"
            + " match the access key; check AWS_SECRET_ACCESS_KEY (or the profile), credentials"
            + " and abc";
    assertThat(r.redact(msg)).isEqualTo(msg);
    assertThat(r.redact(null)).isNull();
    assertThat(r.redact("")).isEmpty();
    String once = redactor.redact("Authorization: AWS x:y, X-Amz-Signature=" + SIG);
    assertThat(redactor.redact(once)).as("idempotent").isEqualTo(once);
  }

  @Test
  void theOutputStreamRedactsWholeLinesAndPassesOtherBytesUnchanged() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream ps =
        new PrintStream(new RedactingOutputStream(sink, redactor), false, StandardCharsets.UTF_8);
    // A secret written in pieces is still caught: lines are matched whole.
    ps.print("token " + TOKEN.substring(0, 10));
    ps.print(TOKEN.substring(10));
    ps.println(" café");
    ps.print("\rprogress 50%");
    ps.flush();
    byte[] latin1 = {(byte) 0xE9, '\n'}; // not UTF-8: must come out unchanged
    ps.write(latin1);
    ps.flush();
    byte[] out = sink.toByteArray();
    String text = new String(out, 0, out.length - 2, StandardCharsets.UTF_8);
    assertThat(text).isEqualTo("token *** café\n\rprogress 50%");
    assertThat(out[out.length - 2]).isEqualTo((byte) 0xE9);
  }
}
