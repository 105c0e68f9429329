package dev.stowage.engine.storage.s3;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * Takes the {@code Last-Modified} header off GetObject responses before the SDK unmarshals them.
 * The engine never reads it (a MANIFEST's checksums say whether an object is the one written), and
 * parsing its RFC 1123 date was the largest single cost of a GET in the SDK: async-profiler put it
 * at 191 of the 4,640 CPU-ms that the 5,000 GETs of a small-file restore spent in the SDK and its
 * HTTP client (C1, as the engine runs). Every other header stays.
 */
final class UnreadResponseHeaders implements ExecutionInterceptor {
  static final String LAST_MODIFIED = "Last-Modified";

  @Override
  public SdkHttpResponse modifyHttpResponse(
      Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
    SdkHttpResponse response = context.httpResponse();
    if (!(context.request() instanceof GetObjectRequest)
        || response.firstMatchingHeader(LAST_MODIFIED).isEmpty()) {
      return response;
    }
    return response.toBuilder().removeHeader(LAST_MODIFIED).build();
  }
}
