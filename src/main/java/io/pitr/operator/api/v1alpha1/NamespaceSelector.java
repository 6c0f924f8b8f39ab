package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Map;

/**
 * Namespaces by their labels, in the shape of a Kubernetes label selector, with its operators
 * checked at admission (a plain LabelSelector schema accepts any operator).
 */
public class NamespaceSelector {

  @Size(max = 64)
  @JsonPropertyDescription("Labels a namespace must all have, with these values.")
  private Map<String, String> matchLabels;

  @Size(max = 64)
  @JsonPropertyDescription("Requirements a namespace's labels must all meet.")
  private List<SelectorRequirement> matchExpressions;

  public Map<String, String> getMatchLabels() {
    return matchLabels;
  }

  public void setMatchLabels(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }

  public List<SelectorRequirement> getMatchExpressions() {
    return matchExpressions;
  }

  public void setMatchExpressions(List<SelectorRequirement> matchExpressions) {
    this.matchExpressions = matchExpressions;
  }
}
