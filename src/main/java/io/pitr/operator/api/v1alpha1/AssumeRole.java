package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** An IAM role the operator assumes through STS to act in a binding's account. */
public class AssumeRole {

  @Required
  @Size(max = 2048)
  @Pattern("^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$")
  @JsonPropertyDescription(
      "ARN of the role, in the binding's account, for example"
          + " arn:aws:iam::222222222222:role/pitr-operator. Its trust policy must let the"
          + " operator's own identity call sts:AssumeRole and sts:TagSession with this externalId."
          + " Immutable.")
  private String roleArn;

  @Required
  @Size(min = 2, max = 1224)
  @Pattern("^[\\w+=,.@:/-]+$")
  @JsonPropertyDescription(
      "The ExternalId the role's trust policy requires (sts:ExternalId), so that only this"
          + " operator, and no other party that knows the role's ARN, can assume it. 2 to 1224"
          + " characters of letters, digits and +=,.@:/-_. May be changed, to rotate it.")
  private String externalId;

  @Min(900)
  @Max(43200)
  @JsonPropertyDescription(
      "Lifetime of the role's sessions in seconds, 900 to 43200 (at most the role's maximum"
          + " session duration). Default 3600. Sessions are renewed before they expire.")
  private Integer durationSeconds;

  public String getRoleArn() {
    return roleArn;
  }

  public void setRoleArn(String roleArn) {
    this.roleArn = roleArn;
  }

  public String getExternalId() {
    return externalId;
  }

  public void setExternalId(String externalId) {
    this.externalId = externalId;
  }

  public Integer getDurationSeconds() {
    return durationSeconds;
  }

  public void setDurationSeconds(Integer durationSeconds) {
    this.durationSeconds = durationSeconds;
  }
}
