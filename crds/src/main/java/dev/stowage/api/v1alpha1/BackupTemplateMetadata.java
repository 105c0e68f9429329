package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

/** The labels and annotations a MysqlBackupSchedule copies to each MysqlBackup it creates. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupTemplateMetadata {
  @Size(max = 64)
  @JsonPropertyDescription(
      "Labels copied to each MysqlBackup. GitOps tracking keys (app.kubernetes.io/instance,"
          + " argocd.argoproj.io/*, kustomize.toolkit.fluxcd.io/*, helm.sh/*, meta.helm.sh/*) are"
          + " not copied, so Argo CD and Flux never prune the backups, and a Warning event says"
          + " so.")
  private Map<String, @Size(max = 63) String> labels;

  @Size(max = 64)
  @JsonPropertyDescription(
      "Annotations copied to each MysqlBackup, without the GitOps tracking keys and"
          + " kubectl.kubernetes.io/last-applied-configuration.")
  private Map<String, @Size(max = 4096) String> annotations;

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }
}
