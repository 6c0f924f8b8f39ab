package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The namespaces whose policies may use a binding: by name, by label, or both (either matches). */
@ValidationRule(
    value = "(has(self.names) && size(self.names) > 0) || has(self.selector)",
    message = "name at least one namespace in names, or give a selector",
    reason = "FieldValueRequired")
public class NamespaceSelection {

  @Size(max = 256)
  @JsonPropertyDescription("Namespaces, by name.")
  private List<@Size(max = 63) @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") String> names;

  @JsonPropertyDescription(
      "Namespaces, by their labels (matchLabels and matchExpressions, as in a Deployment's"
          + " selector). An empty selector ({}) selects every namespace.")
  private NamespaceSelector selector;

  public List<String> getNames() {
    return names;
  }

  public void setNames(List<String> names) {
    this.names = names;
  }

  public NamespaceSelector getSelector() {
    return selector;
  }

  public void setSelector(NamespaceSelector selector) {
    this.selector = selector;
  }
}
