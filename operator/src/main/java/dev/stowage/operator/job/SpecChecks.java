package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.BackupSource;
import dev.stowage.api.v1alpha1.MysqlBackup;
import dev.stowage.operator.validation.InvalidSpecException;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The spec fields Jobs and locations cannot be built without, each checked with a clear message.
 */
final class SpecChecks {
  private SpecChecks() {}

  static BackupSource source(MysqlBackup backup) {
    BackupSource source = spec(backup.getSpec(), backup).getSource();
    if (source == null || !notEmpty(source.getPersistentVolumeClaim())) {
      throw invalid(backup, "spec.source.persistentVolumeClaim is missing");
    }
    return source;
  }

  static <T> T spec(T spec, HasMetadata resource) {
    if (spec == null) {
      throw invalid(resource, "spec is missing");
    }
    return spec;
  }

  static InvalidSpecException invalid(HasMetadata resource, String what) {
    return new InvalidSpecException(
        resource.getKind() + " " + resource.getMetadata().getName() + ": " + what);
  }

  static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
