package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the operator last observed of the table's point-in-time recovery. */
public class ContinuousBackupsPolicyStatus {

  @JsonPropertyDescription(
      "The metadata.generation of the spec that this status describes. When it is lower than"
          + " metadata.generation, the operator has not yet acted on the latest spec.")
  private Long observedGeneration;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }
}
