/**
 * The operator's one port to the API server ({@link dev.stowage.operator.cluster.Cluster}): reads
 * and writes of Jobs, pods, claims, StatefulSets, Leases and snapshots, so reconcilers are tested
 * against an in-memory cluster.
 */
package dev.stowage.operator.cluster;
