package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A key of a ConfigMap or Secret, in the resource's namespace, holding PEM certificates. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CaBundleRef {
  @Default("ConfigMap")
  @JsonPropertyDescription("Kind of the object holding the bundle: ConfigMap (default) or Secret.")
  private CaBundleKind kind;

  @Required
  @Size(max = 253)
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of the ConfigMap or Secret, in the resource's namespace.")
  private String name;

  @Default("ca.crt")
  @Size(max = 253)
  @Pattern(ApiPatterns.CONFIG_KEY)
  @JsonPropertyDescription("Key holding the PEM bundle.")
  private String key;

  public CaBundleKind getKind() {
    return kind;
  }

  public void setKind(CaBundleKind kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
