package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** An S3 bucket and how to reach it. */
@ValidationRule(
    value =
        "!has(self.endpoint) || !self.endpoint.startsWith('http://')"
            + " || (has(self.insecure) && self.insecure)",
    message =
        "endpoint is plain http://: credentials and data would cross the network unencrypted;"
            + " use https:// (with caBundleRef for a private certificate authority), or set"
            + " insecure: true to accept that",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "!has(self.serverSideEncryption) || self.serverSideEncryption.mode != 'CustomerKey'"
            + " || !has(self.endpoint) || self.endpoint.startsWith('https://')",
    message =
        "serverSideEncryption mode CustomerKey sends the key with every request: it needs an"
            + " https:// endpoint",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class S3Storage {
  @Required
  @Size(min = 3, max = 255)
  @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$")
  @JsonPropertyDescription("Bucket name.")
  private String bucket;

  @Size(max = 512)
  @Pattern("^[A-Za-z0-9!_.*'()/-]*$")
  @ValidationRule(
      value = ApiPatterns.NO_DOT_SEGMENTS_RULE,
      message = ApiPatterns.NO_DOT_SEGMENTS_MESSAGE,
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "Key prefix under which backups are stored (for example mysql/prod), without . or .."
          + " segments. Unset: the bucket's root.")
  private String prefix;

  @Size(max = 2048)
  @Pattern("^https?://[^\\s?#]+$")
  @ValidationRule(
      value = ApiPatterns.NO_USER_INFO_RULE,
      message = ApiPatterns.NO_USER_INFO_MESSAGE,
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "URL of an S3-compatible endpoint (for example https://minio.storage:9000), without user"
          + " info: credentials come from credentialsSecretRef. Unset: AWS S3 for the region.")
  private String endpoint;

  @Size(max = 64)
  @Pattern("^[A-Za-z0-9_-]+$")
  @JsonPropertyDescription(
      "Region of the bucket (for example eu-west-1). Unset: from the"
          + " environment of the engine's pod, or us-east-1.")
  private String region;

  @JsonPropertyDescription(
      "Address the bucket in the URL path (https://endpoint/bucket) instead of the host name, as"
          + " most S3-compatible stores need. Unset: true when an endpoint is set, false"
          + " otherwise.")
  private Boolean pathStyle;

  @JsonPropertyDescription(
      "Allow a plain http:// endpoint, where the access key id, the request signatures and all"
          + " data cross the network unencrypted. Only for a store inside the cluster's own"
          + " trusted network; each engine Job then records a Warning event.")
  private Boolean insecure;

  @JsonPropertyDescription(
      "Secret holding the access key. Its keys reach the engine container as files in a"
          + " read-only volume, never as environment variables or arguments. Unset: the SDK's"
          + " default credentials (for example a web identity of the Job's service account).")
  private S3CredentialsSecretRef credentialsSecretRef;

  @JsonPropertyDescription(
      "Server-side encryption the store must apply to every object (SSE-S3, SSE-KMS or SSE-C)."
          + " Unset: none requested (the bucket's default encryption, if any, applies).")
  private ServerSideEncryption serverSideEncryption;

  @JsonPropertyDescription(
      "A ConfigMap or Secret key holding PEM certificates to trust for the"
          + " endpoint, for stores with a private certificate authority.")
  private CaBundleRef caBundleRef;

  public String getBucket() {
    return bucket;
  }

  public void setBucket(String bucket) {
    this.bucket = bucket;
  }

  public String getPrefix() {
    return prefix;
  }

  public void setPrefix(String prefix) {
    this.prefix = prefix;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public Boolean getPathStyle() {
    return pathStyle;
  }

  public void setPathStyle(Boolean pathStyle) {
    this.pathStyle = pathStyle;
  }

  public Boolean getInsecure() {
    return insecure;
  }

  public void setInsecure(Boolean insecure) {
    this.insecure = insecure;
  }

  public S3CredentialsSecretRef getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(S3CredentialsSecretRef credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }

  public ServerSideEncryption getServerSideEncryption() {
    return serverSideEncryption;
  }

  public void setServerSideEncryption(ServerSideEncryption serverSideEncryption) {
    this.serverSideEncryption = serverSideEncryption;
  }

  public CaBundleRef getCaBundleRef() {
    return caBundleRef;
  }

  public void setCaBundleRef(CaBundleRef caBundleRef) {
    this.caBundleRef = caBundleRef;
  }
}
