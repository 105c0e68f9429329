package dev.stowage.operator.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.operator.job.EngineResult.Status;
import org.junit.jupiter.api.Test;

class EngineResultTest {
  /** What the engine writes after a backup, with the fields the operator does not use. */
  static final String SUCCESS =
      "{\"command\":\"backup\",\"status\":\"Succeeded\",\"engineVersion\":\"0.1.0\","
          + "\"name\":\"2026-11-24.230509.orders-nightly\",\"location\":\"s3://backups/mysql\","
          + "\"files\":312,\"chunks\":48,\"objects\":360,\"bytesRead\":3221225472,"
          + "\"bytesStored\":1073741824,\"bytesWritten\":0,\"durationSeconds\":41.237,"
          + "\"throughputMBps\":78.1,\"skippedCount\":1,\"skipped\":[\"mysql.sock\"]}";

  static final String FAILURE =
      "{\"command\":\"backup\",\"status\":\"Failed\",\"engineVersion\":\"0.1.0\","
          + "\"name\":\"2026-11-24.230509.orders-nightly\",\"exitCode\":3,"
          + "\"error\":\"S3 denied access to bucket backups (AccessDenied): check the"
          + " credentials Secret\",\"object\":\"shop/db/2026-11-24.230509.orders-nightly/0\","
          + "\"durationSeconds\":1.5}";

  /** Only the two forms the engine writes reach status.encryption.form; nothing else is copied. */
  @Test
  void anEncryptionKeyFormIsKeyOrPassphraseOrNothing() {
    for (String form : new String[] {"Key", "Passphrase"}) {
      assertThat(
              EngineResult.parse(SUCCESS.replace("}", ",\"encryptionKeyForm\":\"" + form + "\"}"))
                  .encryptionKeyForm())
          .isEqualTo(form);
    }
    assertThat(
            EngineResult.parse(
                    SUCCESS.replace("}", ",\"encryptionKeyForm\":\"correct horse battery\"}"))
                .encryptionKeyForm())
        .isNull();
    assertThat(EngineResult.parse(SUCCESS).encryptionKeyForm()).isNull();
  }

  @Test
  void success() {
    EngineResult r = EngineResult.parse(SUCCESS);
    assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
    assertThat(r.succeeded()).isTrue();
    assertThat(r.name()).isEqualTo("2026-11-24.230509.orders-nightly");
    assertThat(r.files()).isEqualTo(312);
    assertThat(r.chunks()).isEqualTo(48);
    assertThat(r.bytesRead()).isEqualTo(3_221_225_472L);
    assertThat(r.bytesStored()).isEqualTo(1_073_741_824L);
    assertThat(r.bytesWritten()).isZero();
    assertThat(r.durationSeconds()).isEqualTo(41.237);
    assertThat(r.engineVersion()).isEqualTo("0.1.0");
    assertThat(r.exitCode()).isNull();
    assertThat(r.error()).isNull();
    assertThat(r.problem()).isNull();
  }

  @Test
  void failure() {
    EngineResult r = EngineResult.parse(FAILURE);
    assertThat(r.status()).isEqualTo(Status.FAILED);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.object()).isEqualTo("shop/db/2026-11-24.230509.orders-nightly/0");
    assertThat(r.problem()).isNull();
    assertThat(r.failureMessage())
        .isEqualTo(
            "S3 denied access to bucket backups (AccessDenied): check the credentials Secret"
                + " (shop/db/2026-11-24.230509.orders-nightly/0) [exit code 3]");
  }

  @Test
  void aTruncatedMessageKeepsWhatCameBeforeTheCut() {
    String cut = FAILURE.substring(0, FAILURE.indexOf("check the"));
    EngineResult r = EngineResult.parse(cut);
    assertThat(r.status()).isEqualTo(Status.FAILED);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.name()).isEqualTo("2026-11-24.230509.orders-nightly");
    assertThat(r.error()).as("a value cut in the middle is not guessed at").isNull();
    assertThat(r.problem()).startsWith("the engine's result is cut short or not valid JSON");
    assertThat(r.failureMessage())
        .contains("the engine failed without an error message", "[exit code 3]", "cut short");
  }

  @Test
  void aMessageCutBeforeTheStatusIsUnknown() {
    EngineResult r = EngineResult.parse("{\"command\":\"restore\",\"sta");
    assertThat(r.status()).isEqualTo(Status.UNKNOWN);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.problem()).contains("cut short");
  }

  @Test
  void noMessageAtAll() {
    for (String m : new String[] {null, "", "  \n"}) {
      EngineResult r = EngineResult.parse(m);
      assertThat(r.status()).isEqualTo(Status.UNKNOWN);
      assertThat(r.problem()).startsWith("the engine wrote no result");
    }
  }

  @Test
  void textThatIsNotJsonIsQuotedShortly() {
    String text = "Error: Unable to access jarfile /opt/stowage/stowage.jar " + "x".repeat(500);
    EngineResult r = EngineResult.parse(text);
    assertThat(r.status()).isEqualTo(Status.UNKNOWN);
    assertThat(r.problem())
        .contains("Error: Unable to access jarfile")
        .hasSizeLessThan(EngineResult.QUOTE_CHARS + 120);
  }

  @Test
  void jsonThatIsNotAnObject() {
    assertThat(EngineResult.parse("[1,2]").problem()).contains("not a JSON object");
    assertThat(EngineResult.parse("42").status()).isEqualTo(Status.UNKNOWN);
  }

  @Test
  void fieldsOfTheWrongTypeAreLeftOut() {
    EngineResult r =
        EngineResult.parse(
            "{\"status\":\"Succeeded\",\"files\":\"many\",\"chunks\":1.5,\"exitCode\":"
                + "99999999999,\"name\":7,\"durationSeconds\":2,\"bytesRead\":"
                + "123456789012345678901234567890}");
    assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
    assertThat(r.files()).isNull();
    assertThat(r.chunks()).isNull();
    assertThat(r.exitCode()).isNull();
    assertThat(r.name()).isNull();
    assertThat(r.bytesRead()).isNull();
    assertThat(r.durationSeconds()).isEqualTo(2.0);
  }

  @Test
  void anUnknownStatusIsNotTakenForSuccess() {
    assertThat(EngineResult.parse("{\"status\":\"succeeded\"}").status()).isEqualTo(Status.UNKNOWN);
  }

  // Issue 15, finding 13: what a server said reaches status.message and events only capped, on
  // one line, and without response bodies; the engine's log keeps the whole text.
  private static String failed(String error) {
    return "{\"command\":\"restore\",\"status\":\"Failed\",\"exitCode\":3,\"error\":"
        + com.fasterxml.jackson.databind.node.TextNode.valueOf(error)
        + "}";
  }

  @Test
  void aLongEngineErrorIsCappedAndMarkedTruncated() {
    String error = "cannot read s3://b/ns/db/n/3: the server says \"" + "z".repeat(3_000) + "\"";
    String m = EngineResult.parse(failed(error)).failureMessage();
    assertThat(m).startsWith("cannot read s3://b/ns/db/n/3: the server says \"zzz");
    assertThat(m)
        .contains("[truncated, " + error.length() + " chars; the engine's log has it all]");
    assertThat(m).contains("[exit code 3]");
    assertThat(m.length()).isLessThan(EngineResult.MAX_ERROR_CHARS + 120);
  }

  @Test
  void aResponseBodyInTheEngineErrorIsLeftOut() {
    String error =
        "cannot read s3://b/ns/db/n/3: HTTP 400: <?xml version=\"1.0\"?>\n<Error><Code>Odd</Code>"
            + "<Message>internal detail 10.0.0.7</Message></Error>";
    String m = EngineResult.parse(failed(error)).failureMessage();
    assertThat(m).startsWith("cannot read s3://b/ns/db/n/3: HTTP 400:");
    assertThat(m).contains("[response body left out; the engine's log has it]");
    assertThat(m).doesNotContain("<Error>").doesNotContain("internal detail").doesNotContain("\n");
  }

  @Test
  void controlCharactersAndNewlinesBecomeSpaces() {
    String m = EngineResult.parse(failed("line one\nline two\u0007\r\nthree")).failureMessage();
    assertThat(m).startsWith("line one line two three");
  }
}
