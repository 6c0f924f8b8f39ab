package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One requirement on a table's tags: a tag key, an operator and values, as in label selectors. */
@ValidationRule(
    value =
        "(self.operator == 'In' || self.operator == 'NotIn')"
            + " == (has(self.values) && size(self.values) > 0)",
    message = "In and NotIn need at least one value; Exists and DoesNotExist take none",
    fieldPath = ".values",
    reason = "FieldValueInvalid")
public class TagRequirement {

  /** How a tag is compared. */
  public enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }

  @Required
  @Size(min = 1, max = 128)
  @JsonPropertyDescription(
      "The tag key, as DynamoDB stores it (case-sensitive, 1 to 128 characters; aws: keys such"
          + " as aws:cloudformation:stack-name included).")
  private String key;

  @Required
  @JsonPropertyDescription(
      "In: the table has the tag with one of the values; NotIn: it does not (or has no such"
          + " tag); Exists: it has the tag, with any value; DoesNotExist: it has no such tag.")
  private Operator operator;

  @Size(max = 64)
  @JsonPropertyDescription("The values (up to 256 characters each), for In and NotIn.")
  private List<@Size(max = 256) String> values;

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public Operator getOperator() {
    return operator;
  }

  public void setOperator(Operator operator) {
    this.operator = operator;
  }

  public List<String> getValues() {
    return values;
  }

  public void setValues(List<String> values) {
    this.values = values;
  }
}
