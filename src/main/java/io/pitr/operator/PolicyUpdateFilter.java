package io.pitr.operator;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import java.util.Map;
import java.util.Objects;

/**
 * Which changes of a policy reconcile it: a new spec (generation), the start of its deletion, and a
 * new value of the annotation {@value ContinuousBackupsPolicyReconciler#RECONCILE_REQUESTED_AT}.
 * Not its status (the operator's own writes), labels or other annotations. It takes the place of
 * the Java Operator SDK's generation-aware filtering, which would drop the annotation's changes.
 */
public class PolicyUpdateFilter implements OnUpdateFilter<ContinuousBackupsPolicy> {

  @Override
  public boolean accept(ContinuousBackupsPolicy updated, ContinuousBackupsPolicy old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || (updated.isMarkedForDeletion() && !old.isMarkedForDeletion())
        || !Objects.equals(requested(updated), requested(old));
  }

  private static String requested(ContinuousBackupsPolicy policy) {
    Map<String, String> annotations = policy.getMetadata().getAnnotations();
    return annotations == null
        ? null
        : annotations.get(ContinuousBackupsPolicyReconciler.RECONCILE_REQUESTED_AT);
  }
}
