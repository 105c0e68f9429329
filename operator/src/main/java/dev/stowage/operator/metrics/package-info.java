/** The Prometheus metrics of backups, restores and schedules (Micrometer). */
package dev.stowage.operator.metrics;
