package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One requirement of a {@link NamespaceSelector}: a label key, an operator and values. */
@ValidationRule(
    value =
        "(self.operator == 'In' || self.operator == 'NotIn')"
            + " == (has(self.values) && size(self.values) > 0)",
    message = "In and NotIn need at least one value; Exists and DoesNotExist take none",
    fieldPath = ".values",
    reason = "FieldValueInvalid")
public class SelectorRequirement {

  /** The operators of Kubernetes label selectors. */
  public enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }

  @Required
  @Size(min = 1, max = 317)
  @JsonPropertyDescription("The label key.")
  private String key;

  @Required
  @JsonPropertyDescription(
      "In: the label has one of the values; NotIn: it has none of them (or is absent); Exists;"
          + " DoesNotExist.")
  private Operator operator;

  @Size(max = 64)
  @JsonPropertyDescription("The values, for In and NotIn.")
  private List<@Size(max = 63) String> values;

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
