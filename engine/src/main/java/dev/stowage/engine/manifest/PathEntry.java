package dev.stowage.engine.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A directory or symbolic link of the backed-up tree (Stowage extension): directories so empty ones
 * are recreated with their modes, symlinks so they are recreated rather than followed.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PathEntry {
  @JsonProperty("Base")
  public String base;

  @JsonProperty("Name")
  public String name;

  @JsonProperty("Mode")
  public String mode;

  @JsonProperty("MTime")
  public String mtime;

  /** Link target, for symlinks only; always relative and inside the same root. */
  @JsonProperty("Target")
  public String target;

  public PathEntry() {}

  public PathEntry(Base base, String name) {
    this.base = base.vitessName();
    this.name = name;
  }
}
