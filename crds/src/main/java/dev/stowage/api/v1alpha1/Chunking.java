package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * How large files are split. The sizes are int-or-string quantities; the rules accept only what the
 * engine parses (bytes, or a whole number with a Ki, Mi, Gi or Ti suffix) and what Vitess requires
 * of chunked backups.
 */
@ValidationRule(
    value = Chunking.SIZE_AT_LEAST_4MI,
    message = "chunking.size must be at least 4Mi while chunking is on (threshold is not 0)",
    messageExpression =
        "'chunking.size is ' + string(self.size) + ' but must be at least 4Mi while"
            + " chunking is on; set chunking.threshold to 0 to turn chunking off'",
    reason = "FieldValueInvalid")
@ValidationRule(
    value = Chunking.THRESHOLD_AT_LEAST_SIZE,
    message = "chunking.threshold must be at least chunking.size, or 0 to turn chunking off",
    messageExpression =
        "'chunking.threshold (' + string(self.threshold) + ') must be at least"
            + " chunking.size (' + string(self.size) + '), or 0 to turn chunking off'",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Chunking {
  /** The engine's size syntax, for a rule on the size or threshold field itself. */
  static final String IS_SIZE =
      "type(self) == int ? self >= 0"
          + " : type(self) == string && self.matches('"
          + ApiPatterns.SIZE
          + "')";

  static final String SIZE_MESSAGE =
      "must be a number of bytes, or a whole number with a Ki, Mi, Gi or Ti suffix (for example"
          + " 64Mi)";
  static final String SIZE_MESSAGE_EXPRESSION =
      "'\"' + string(self) + '\" is not a size: use a number of bytes, or a whole number with a Ki,"
          + " Mi, Gi or Ti suffix (for example 64Mi)'";

  // The rules across both fields only judge values that are valid sizes: an invalid one already has
  // its own message, and quantity() of it would only add noise.
  private static final String VALID_SIZE =
      "has(self.size) && (type(self.size) == int"
          + " ? self.size >= 0 : type(self.size) == string && self.size.matches('"
          + ApiPatterns.SIZE
          + "'))";
  private static final String VALID_THRESHOLD =
      "has(self.threshold) && (type(self.threshold) == int"
          + " ? self.threshold >= 0"
          + " : type(self.threshold) == string && self.threshold.matches('"
          + ApiPatterns.SIZE
          + "'))";
  private static final String CHUNKING_OFF =
      VALID_THRESHOLD + " && quantity(string(self.threshold)).compareTo(quantity('0')) == 0";

  static final String SIZE_AT_LEAST_4MI =
      "!("
          + VALID_SIZE
          + ") || ("
          + CHUNKING_OFF
          + ") || quantity(string(self.size)).compareTo(quantity('4Mi')) >= 0";
  static final String THRESHOLD_AT_LEAST_SIZE =
      "!("
          + VALID_SIZE
          + ") || !("
          + VALID_THRESHOLD
          + ") || quantity(string(self.threshold)).compareTo(quantity('0')) == 0"
          + " || quantity(string(self.threshold)).compareTo(quantity(string(self.size))) >= 0";

  @Default("64Mi")
  @ValidationRule(
      value = IS_SIZE,
      message = SIZE_MESSAGE,
      messageExpression = SIZE_MESSAGE_EXPRESSION,
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "Files larger than this are split into chunks; 0 turns chunking off. A number"
          + " of bytes or a quantity such as 1Gi; at least size unless 0. Default: 64Mi.")
  private Quantity threshold;

  @Default("64Mi")
  @ValidationRule(
      value = IS_SIZE,
      message = SIZE_MESSAGE,
      messageExpression = SIZE_MESSAGE_EXPRESSION,
      reason = "FieldValueInvalid")
  @JsonPropertyDescription(
      "Size of each chunk: a number of bytes or a quantity such as 64Mi; at least"
          + " 4Mi while chunking is on. Default: 64Mi.")
  private Quantity size;

  public Quantity getThreshold() {
    return threshold;
  }

  public void setThreshold(Quantity threshold) {
    this.threshold = threshold;
  }

  public Quantity getSize() {
    return size;
  }

  public void setSize(Quantity size) {
    this.size = size;
  }
}
