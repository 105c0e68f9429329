package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;

class UnreadResponseHeadersTest {
  private static final SdkHttpResponse RESPONSE =
      SdkHttpResponse.builder()
          .statusCode(200)
          .putHeader("last-modified", "Mon, 07 Dec 2026 12:00:00 GMT")
          .putHeader("ETag", "\"abc\"")
          .putHeader("Content-Length", "42")
          .putHeader("x-amz-server-side-encryption-customer-algorithm", "AES256")
          .build();

  @Test
  void aGetObjectResponseLosesLastModifiedWhateverItsCaseAndKeepsTheRest() {
    SdkHttpResponse out = modify(GetObjectRequest.builder().bucket("b").key("k").build());
    assertThat(out.firstMatchingHeader("Last-Modified")).isEmpty();
    assertThat(out.statusCode()).isEqualTo(200);
    assertThat(out.headers()).hasSize(3);
    assertThat(out.firstMatchingHeader("etag")).contains("\"abc\"");
    assertThat(out.firstMatchingHeader("content-length")).contains("42");
    assertThat(out.firstMatchingHeader("x-amz-server-side-encryption-customer-algorithm"))
        .contains("AES256");
  }

  @Test
  void otherResponsesAreHandedOnUntouched() {
    assertThat(modify(HeadObjectRequest.builder().bucket("b").key("k").build())).isSameAs(RESPONSE);
  }

  private static SdkHttpResponse modify(SdkRequest request) {
    Context.ModifyHttpResponse context =
        new Context.ModifyHttpResponse() {
          @Override
          public SdkHttpResponse httpResponse() {
            return RESPONSE;
          }

          @Override
          public Optional<org.reactivestreams.Publisher<java.nio.ByteBuffer>> responsePublisher() {
            return Optional.empty();
          }

          @Override
          public Optional<java.io.InputStream> responseBody() {
            return Optional.empty();
          }

          @Override
          public SdkHttpRequest httpRequest() {
            return null;
          }

          @Override
          public Optional<software.amazon.awssdk.core.sync.RequestBody> requestBody() {
            return Optional.empty();
          }

          @Override
          public Optional<software.amazon.awssdk.core.async.AsyncRequestBody> asyncRequestBody() {
            return Optional.empty();
          }

          @Override
          public SdkRequest request() {
            return request;
          }
        };
    return new UnreadResponseHeaders().modifyHttpResponse(context, new ExecutionAttributes());
  }
}
