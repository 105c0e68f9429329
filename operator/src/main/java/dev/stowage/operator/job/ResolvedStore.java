package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.S3Storage;

/**
 * What a store gives an engine Job: its bucket (the prefix is the store's base; directories inside
 * it always begin with the namespace) and the ServiceAccount the Job runs as, if any.
 *
 * @param s3 the store's bucket, endpoint and references to a credentials Secret and CA bundle in
 *     the namespace of the resource that uses it
 * @param serviceAccountName the engine Job's ServiceAccount, or null for the namespace's default
 */
public record ResolvedStore(S3Storage s3, String serviceAccountName) {}
