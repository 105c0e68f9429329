package dev.stowage.api.v1alpha1;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Navigation in a generated CRD's OpenAPI schema, for assertions. */
final class Schemas {
  private Schemas() {}

  static CustomResourceDefinitionVersion onlyVersion(CustomResourceDefinition crd) {
    List<CustomResourceDefinitionVersion> versions = crd.getSpec().getVersions();
    if (versions.size() != 1) {
      throw new AssertionError("expected one version, got " + versions.size());
    }
    return versions.get(0);
  }

  /** The schema at a dotted path of property names below the root, e.g. "spec.chunking.size". */
  static JSONSchemaProps at(CustomResourceDefinition crd, String path) {
    JSONSchemaProps s = onlyVersion(crd).getSchema().getOpenAPIV3Schema();
    for (String name : path.split("\\.")) {
      JSONSchemaProps next = s.getProperties() == null ? null : s.getProperties().get(name);
      if (next == null && s.getItems() != null && s.getItems().getSchema() != null) {
        next = s.getItems().getSchema().getProperties().get(name);
      }
      if (next == null) {
        throw new AssertionError("no property " + name + " in " + path);
      }
      s = next;
    }
    return s;
  }

  static List<String> rules(JSONSchemaProps s) {
    return s.getXKubernetesValidations() == null
        ? List.of()
        : s.getXKubernetesValidations().stream().map(ValidationRule::getRule).toList();
  }

  static ValidationRule rule(JSONSchemaProps s, String expression) {
    return s.getXKubernetesValidations().stream()
        .filter(r -> r.getRule().equals(expression))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no rule " + expression + " in " + rules(s)));
  }

  static List<String> enumValues(JSONSchemaProps s) {
    return s.getEnum() == null ? List.of() : s.getEnum().stream().map(n -> n.asText()).toList();
  }

  /**
   * Paths of properties without a description, below the root, not looking inside the Kubernetes
   * types given (their fields are Kubernetes' own, documented upstream; their own field is
   * checked).
   */
  static List<String> undescribed(CustomResourceDefinition crd, Set<String> kubernetesTypes) {
    List<String> missing = new ArrayList<>();
    JSONSchemaProps root = onlyVersion(crd).getSchema().getOpenAPIV3Schema();
    walk("", root, kubernetesTypes, missing);
    return missing;
  }

  private static void walk(String path, JSONSchemaProps s, Set<String> skip, List<String> missing) {
    if (s.getItems() != null && s.getItems().getSchema() != null) {
      s = s.getItems().getSchema();
    }
    if (s.getProperties() == null) {
      return;
    }
    for (Map.Entry<String, JSONSchemaProps> e : s.getProperties().entrySet()) {
      String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      String d = e.getValue().getDescription();
      if (d == null || d.isBlank()) {
        missing.add(p);
      }
      if (!skip.contains(p)) {
        walk(p, e.getValue(), skip, missing);
      }
    }
  }

  /**
   * Paths under spec of strings without maxLength (enums excepted), lists without maxItems and maps
   * without maxProperties, not looking at the Kubernetes types given (issue 15, finding 8: every
   * object a tenant writes has a bounded size).
   */
  static List<String> unbounded(CustomResourceDefinition crd, Set<String> kubernetesTypes) {
    List<String> found = new ArrayList<>();
    JSONSchemaProps spec =
        onlyVersion(crd).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    bounds("spec", spec, kubernetesTypes, found);
    return found;
  }

  private static void bounds(String path, JSONSchemaProps s, Set<String> skip, List<String> found) {
    if (skip.contains(path)) {
      return;
    }
    // fabric8 reads a schema without enum as an empty list in some places, null in others.
    boolean isEnum = s.getEnum() != null && !s.getEnum().isEmpty();
    if ("string".equals(s.getType()) && s.getMaxLength() == null && !isEnum) {
      found.add(path + " (string without maxLength)");
    }
    if ("array".equals(s.getType()) && s.getMaxItems() == null) {
      found.add(path + " (list without maxItems)");
    }
    boolean map =
        s.getAdditionalProperties() != null && s.getAdditionalProperties().getSchema() != null;
    if (map && s.getMaxProperties() == null) {
      found.add(path + " (map without maxProperties)");
    }
    if (s.getItems() != null && s.getItems().getSchema() != null) {
      bounds(path + "[]", s.getItems().getSchema(), skip, found);
    }
    if (map) {
      bounds(path + "{}", s.getAdditionalProperties().getSchema(), skip, found);
    }
    if (s.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> e : s.getProperties().entrySet()) {
        bounds(path + "." + e.getKey(), e.getValue(), skip, found);
      }
    }
  }
}
