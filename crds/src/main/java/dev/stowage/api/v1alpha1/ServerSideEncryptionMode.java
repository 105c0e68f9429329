package dev.stowage.api.v1alpha1;

/** How the S3 store encrypts the objects of a backup at rest. */
public enum ServerSideEncryptionMode {
  /** SSE-S3: keys the store manages (x-amz-server-side-encryption: AES256). */
  AES256,
  /** SSE-KMS: a KMS key (the bucket's default, or kmsKeyId). */
  KMS,
  /** SSE-C: a 256-bit key of yours, from a Secret, sent with every request (https only). */
  CustomerKey
}
