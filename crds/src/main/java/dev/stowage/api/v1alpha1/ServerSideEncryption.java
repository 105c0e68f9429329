package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Server-side encryption the store must apply to every object of a backup; a store that does not
 * confirm it fails the backup before any data is written.
 */
@ValidationRule(
    value = "!has(self.kmsKeyId) || self.mode == 'KMS'",
    message = "kmsKeyId is only for mode: KMS",
    reason = "FieldValueInvalid")
@ValidationRule(
    value = "has(self.customerKeySecretRef) == (self.mode == 'CustomerKey')",
    message = "mode: CustomerKey needs customerKeySecretRef, and only it does",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServerSideEncryption {
  @Required
  @JsonPropertyDescription(
      "AES256 (SSE-S3, keys the store manages), KMS (SSE-KMS) or CustomerKey (SSE-C: your key,"
          + " sent with every request, so only over https; every restore needs the same key).")
  private ServerSideEncryptionMode mode;

  @Size(max = 2048)
  @Pattern("^[A-Za-z0-9:/_.+=,@-]+$")
  @JsonPropertyDescription(
      "The KMS key (id, ARN or alias/NAME) for mode KMS. Unset: the bucket's default KMS key.")
  private String kmsKeyId;

  @JsonPropertyDescription(
      "The Secret key holding the SSE-C key for mode CustomerKey: 32 raw bytes, or their base64."
          + " It reaches the engine as a file, never in its environment or arguments.")
  private SecretKeyRef customerKeySecretRef;

  public ServerSideEncryptionMode getMode() {
    return mode;
  }

  public void setMode(ServerSideEncryptionMode mode) {
    this.mode = mode;
  }

  public String getKmsKeyId() {
    return kmsKeyId;
  }

  public void setKmsKeyId(String kmsKeyId) {
    this.kmsKeyId = kmsKeyId;
  }

  public SecretKeyRef getCustomerKeySecretRef() {
    return customerKeySecretRef;
  }

  public void setCustomerKeySecretRef(SecretKeyRef customerKeySecretRef) {
    this.customerKeySecretRef = customerKeySecretRef;
  }
}
