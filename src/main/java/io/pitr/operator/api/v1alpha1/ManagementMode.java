package io.pitr.operator.api.v1alpha1;

/** Whether the operator enforces a policy's spec on its table, or only reports on it. */
public enum ManagementMode {
  /** Make the table match the spec, and set it back when it drifts. */
  Enforce,
  /** Never write to AWS: observe the table and report whether it complies with the spec. */
  Observe
}
