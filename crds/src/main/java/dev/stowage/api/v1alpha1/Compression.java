package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** The codec and level of stored objects. */
@ValidationRule(
    value =
        "!has(self.level) || (self.engine == 'zstd' && self.level >= 1 && self.level <= 22)"
            + " || (self.engine == 'gzip' && self.level >= 1 && self.level <= 9)",
    message = "compression.level must be 1..22 for zstd, 1..9 for gzip, and unset for none",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Compression {
  @Default("zstd")
  @JsonPropertyDescription("zstd (default), gzip (readable by Vitess as pgzip) or none.")
  private CompressionEngine engine;

  @JsonPropertyDescription(
      "Compression level: 1..22 for zstd, 1..9 for gzip; unset for none. Unset: 1,"
          + " the fastest, which keeps up with fast disks.")
  private Integer level;

  public CompressionEngine getEngine() {
    return engine;
  }

  public void setEngine(CompressionEngine engine) {
    this.engine = engine;
  }

  public Integer getLevel() {
    return level;
  }

  public void setLevel(Integer level) {
    this.level = level;
  }
}
