package dev.stowage.api.v1alpha1;

/** The kinds of object a CA bundle can be read from. */
public enum CaBundleKind {
  ConfigMap,
  Secret
}
