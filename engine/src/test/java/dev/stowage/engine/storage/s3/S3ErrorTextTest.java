package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.engine.error.StorageException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Issue 15, finding 13: what an S3 server says in its error (code, message, body) is quoted and
 * capped in the engine's messages, never copied whole: the message ends up in the result file, the
 * pod's termination message and the CR's status.
 */
class S3ErrorTextTest {
  private static final S3Options OPTIONS =
      S3Options.parse("s3://bucket/p?endpoint=http://127.0.0.1:9");

  @Test
  void serverErrorTextIsQuotedAndCapped() {
    String body = "<Error><Message>" + "x".repeat(20_000) + "</Message></Error>";
    S3Exception e =
        (S3Exception)
            S3Exception.builder()
                .statusCode(400)
                .message("weird failure " + body)
                .awsErrorDetails(
                    AwsErrorDetails.builder()
                        .errorCode("Odd" + "Y".repeat(5_000))
                        .errorMessage(body)
                        .build())
                .build();

    StorageException t = S3Errors.translate(e, OPTIONS, "s3://bucket/p/ns/db/b1/3", "read");

    assertThat(t.getMessage()).hasSizeLessThan(1_500);
    assertThat(t.getMessage()).contains("s3://bucket/p/ns/db/b1/3").contains("[truncated, ");
    assertThat(t.getMessage()).contains("\"weird failure");
    assertThat(t.getMessage()).doesNotContain("x".repeat(600)).doesNotContain("Y".repeat(600));
  }

  @Test
  void shortServerErrorTextIsQuotedWhole() {
    S3Exception e =
        (S3Exception)
            S3Exception.builder()
                .statusCode(400)
                .message("Bucket policy forbids it")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("InvalidRequest").build())
                .build();

    StorageException t = S3Errors.translate(e, OPTIONS, "s3://bucket/p/x", "read");

    assertThat(t.getMessage()).contains("InvalidRequest").contains("\"Bucket policy forbids it");
    assertThat(t.getMessage()).doesNotContain("[truncated");
  }
}
