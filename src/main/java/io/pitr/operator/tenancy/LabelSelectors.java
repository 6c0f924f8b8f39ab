package io.pitr.operator.tenancy;

import io.pitr.operator.api.v1alpha1.NamespaceSelector;
import io.pitr.operator.api.v1alpha1.SelectorRequirement;
import java.util.List;
import java.util.Map;

/**
 * Whether a set of labels matches a {@link NamespaceSelector}, with the API server's semantics:
 * every matchLabels pair and every matchExpressions requirement (In, NotIn, Exists, DoesNotExist)
 * must hold, and an empty selector matches everything. The Fabric8 client only sends selectors to
 * the API server; namespaces are matched here against the informer's cache instead, so that a
 * binding costs no API request per policy.
 */
final class LabelSelectors {

  private LabelSelectors() {}

  static boolean matches(NamespaceSelector selector, Map<String, String> labels) {
    Map<String, String> matchLabels = selector.getMatchLabels();
    if (matchLabels != null) {
      for (Map.Entry<String, String> pair : matchLabels.entrySet()) {
        if (!pair.getValue().equals(labels.get(pair.getKey()))) {
          return false;
        }
      }
    }
    List<SelectorRequirement> expressions = selector.getMatchExpressions();
    if (expressions != null) {
      for (SelectorRequirement requirement : expressions) {
        if (!holds(requirement, labels)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean holds(SelectorRequirement requirement, Map<String, String> labels) {
    String value = labels.get(requirement.getKey());
    List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
    if (requirement.getOperator() == null) {
      return false; // the API server requires one; a requirement without selects nothing
    }
    return switch (requirement.getOperator()) {
      case In -> value != null && values.contains(value);
      case NotIn -> value == null || !values.contains(value);
      case Exists -> value != null;
      case DoesNotExist -> value == null;
    };
  }
}
