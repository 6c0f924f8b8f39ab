package io.pitr.operator.sets;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySpec;
import io.pitr.operator.api.v1alpha1.DeletionPolicy;
import io.pitr.operator.api.v1alpha1.ManagementMode;
import io.pitr.operator.api.v1alpha1.PointInTimeRecoverySpecification;
import io.pitr.operator.api.v1alpha1.PolicyTemplate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The ContinuousBackupsPolicy a set generates for a table: its name, labels, owner and spec. */
public final class GeneratedPolicies {

  /** Label on every generated policy: the name of the set that generated it. */
  public static final String SET_LABEL = "dynamodb.pitr.io/policy-set";

  /** Kubernetes object names are at most 253 characters; 9 go to the suffix. */
  private static final int MAX_READABLE = 253 - 9;

  private GeneratedPolicies() {}

  /**
   * The generated policy's name: the table's name made a valid object name (lower case, runs of
   * other characters than a-z and 0-9 as one '-'), and 8 hexadecimal digits of a hash of the set's
   * name and the exact table name, so that tables whose names differ only in case or punctuation,
   * and two sets selecting one table, never share a name. Deterministic: the same set and table
   * always give the same name.
   */
  public static String name(String setName, String tableName) {
    String readable =
        tableName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+", "");
    if (readable.length() > MAX_READABLE) {
      readable = readable.substring(0, MAX_READABLE);
    }
    readable = readable.replaceAll("-+$", "");
    String suffix = hash(setName + "/" + tableName);
    return readable.isEmpty() ? "table-" + suffix : readable + "-" + suffix;
  }

  /**
   * The policy the set generates for a table of {@code region} (the set's, as resolved: written
   * out, so that the policy never follows a later change of the operator's default region).
   */
  public static ContinuousBackupsPolicy build(
      ContinuousBackupsPolicySet set, String tableName, String region) {
    var policy = new ContinuousBackupsPolicy();
    policy.setMetadata(
        new ObjectMetaBuilder()
            .withName(name(set.getMetadata().getName(), tableName))
            .withNamespace(set.getMetadata().getNamespace())
            .withLabels(Map.of(SET_LABEL, set.getMetadata().getName()))
            .withOwnerReferences(ownerReference(set))
            .build());
    policy.setSpec(spec(set, tableName));
    policy.getSpec().setRegion(region);
    return policy;
  }

  /** The spec the set's template gives a table (region as the set's spec says). */
  public static ContinuousBackupsPolicySpec spec(ContinuousBackupsPolicySet set, String tableName) {
    PolicyTemplate template = set.getSpec().getTemplate();
    var spec = new ContinuousBackupsPolicySpec();
    spec.setTableName(tableName);
    spec.setRegion(set.getSpec().getRegion());
    spec.setAccountBinding(set.getSpec().getAccountBinding());
    PointInTimeRecoverySpecification pitr = new PointInTimeRecoverySpecification();
    pitr.setPointInTimeRecoveryEnabled(
        template.getPointInTimeRecoverySpecification().getPointInTimeRecoveryEnabled());
    pitr.setRecoveryPeriodInDays(
        template.getPointInTimeRecoverySpecification().getRecoveryPeriodInDays());
    spec.setPointInTimeRecoverySpecification(pitr);
    spec.setManagementMode(
        Objects.requireNonNullElse(template.getManagementMode(), ManagementMode.Enforce));
    spec.setDeletionPolicy(
        Objects.requireNonNullElse(template.getDeletionPolicy(), DeletionPolicy.Retain));
    spec.setAcknowledgeRestorePointLoss(template.getAcknowledgeRestorePointLoss());
    return spec;
  }

  /**
   * Whether a generated policy's spec is what the set's template asks for now (defaults applied as
   * the API server applies them), so that only a real template change is rolled out. The region is
   * not compared: it is the set's, immutable on both.
   */
  public static boolean upToDate(
      ContinuousBackupsPolicy policy, ContinuousBackupsPolicySet set, String tableName) {
    ContinuousBackupsPolicySpec actual = policy.getSpec();
    ContinuousBackupsPolicySpec wanted = spec(set, tableName);
    return actual != null
        && actual.getPointInTimeRecoverySpecification() != null
        && Objects.equals(
            actual.getPointInTimeRecoverySpecification().getPointInTimeRecoveryEnabled(),
            wanted.getPointInTimeRecoverySpecification().getPointInTimeRecoveryEnabled())
        && Objects.equals(
            actual.getPointInTimeRecoverySpecification().getRecoveryPeriodInDays(),
            wanted.getPointInTimeRecoverySpecification().getRecoveryPeriodInDays())
        && Objects.equals(
            Objects.requireNonNullElse(actual.getManagementMode(), ManagementMode.Enforce),
            wanted.getManagementMode())
        && Objects.equals(
            Objects.requireNonNullElse(actual.getDeletionPolicy(), DeletionPolicy.Retain),
            wanted.getDeletionPolicy())
        && Objects.equals(
            actual.getAcknowledgeRestorePointLoss(), wanted.getAcknowledgeRestorePointLoss())
        && Objects.equals(actual.getAccountBinding(), wanted.getAccountBinding());
  }

  /** The set that generated the policy (its controller owner), if a set did. */
  public static Optional<OwnerReference> owner(ContinuousBackupsPolicy policy) {
    List<OwnerReference> owners =
        Objects.requireNonNullElse(policy.getMetadata().getOwnerReferences(), List.of());
    return owners.stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()))
        .filter(o -> KIND.equals(o.getKind()) && API_VERSION.equals(o.getApiVersion()))
        .findFirst();
  }

  /** Whether the set with this UID generated the policy. */
  public static boolean generatedBy(ContinuousBackupsPolicy policy, String setUid) {
    return owner(policy).filter(o -> setUid.equals(o.getUid())).isPresent();
  }

  private static final String KIND = "ContinuousBackupsPolicySet";
  private static final String API_VERSION =
      ContinuousBackupsPolicy.GROUP + "/" + ContinuousBackupsPolicy.VERSION;

  private static OwnerReference ownerReference(ContinuousBackupsPolicySet set) {
    return new OwnerReferenceBuilder()
        .withApiVersion(API_VERSION)
        .withKind(KIND)
        .withName(set.getMetadata().getName())
        .withUid(set.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static String hash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
