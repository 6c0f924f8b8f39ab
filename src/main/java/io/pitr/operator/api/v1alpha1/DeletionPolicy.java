package io.pitr.operator.api.v1alpha1;

/** What happens to the table's point-in-time recovery when its policy is deleted. */
public enum DeletionPolicy {
  /** Leave the table's PITR as it is; no AWS call is made on delete. */
  Retain,
  /** Turn the table's PITR off before the policy goes. */
  Disable
}
