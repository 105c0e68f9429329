package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A Secret, in the resource's namespace, holding S3 credentials. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class S3CredentialsSecretRef {
  @Required
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of the Secret, in the resource's namespace.")
  private String name;

  @Default("AWS_ACCESS_KEY_ID")
  @Size(max = 253)
  @Pattern(ApiPatterns.CONFIG_KEY)
  @JsonPropertyDescription("Key of the access key id in the Secret.")
  private String accessKeyIdKey;

  @Default("AWS_SECRET_ACCESS_KEY")
  @Size(max = 253)
  @Pattern(ApiPatterns.CONFIG_KEY)
  @JsonPropertyDescription("Key of the secret access key in the Secret.")
  private String secretAccessKeyKey;

  @Size(max = 253)
  @Pattern(ApiPatterns.CONFIG_KEY)
  @JsonPropertyDescription(
      "Key of a session token in the Secret, for temporary credentials. Unset:" + " none.")
  private String sessionTokenKey;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getAccessKeyIdKey() {
    return accessKeyIdKey;
  }

  public void setAccessKeyIdKey(String accessKeyIdKey) {
    this.accessKeyIdKey = accessKeyIdKey;
  }

  public String getSecretAccessKeyKey() {
    return secretAccessKeyKey;
  }

  public void setSecretAccessKeyKey(String secretAccessKeyKey) {
    this.secretAccessKeyKey = secretAccessKeyKey;
  }

  public String getSessionTokenKey() {
    return sessionTokenKey;
  }

  public void setSessionTokenKey(String sessionTokenKey) {
    this.sessionTokenKey = sessionTokenKey;
  }
}
