package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The tables of one account's region a policy set selects, and the policy each gets. */
@ValidationRule(
    value =
        "has(self.region) == has(oldSelf.region)"
            + " && (!has(self.region) || self.region == oldSelf.region)",
    message = "region is immutable: create another set for tables in another region",
    fieldPath = ".region",
    reason = "FieldValueForbidden")
public class ContinuousBackupsPolicySetSpec {

  @Size(max = 32)
  @Pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$")
  @JsonPropertyDescription(
      "AWS region of the tables, for example eu-west-1. Defaults to the operator's configured"
          + " region. Immutable.")
  private String region;

  @Size(max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription(
      "With tenancy on: the DynamoDbAccountBinding through which the set lists the account's"
          + " tables and its policies reach them; copied to each generated policy. With tenancy"
          + " off, leave it unset.")
  private String accountBinding;

  @Required
  @JsonPropertyDescription(
      "Which tables to select: by name patterns, by tags, or both, minus excludeNames. Tables"
          + " created later are selected once the operator's discovery finds them.")
  private TableSelector tableSelector;

  @Required
  @JsonPropertyDescription(
      "The settings of the ContinuousBackupsPolicy generated for each selected table. A change"
          + " rolls out to the generated policies at the operator's rollout rate.")
  private PolicyTemplate template;

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public String getAccountBinding() {
    return accountBinding;
  }

  public void setAccountBinding(String accountBinding) {
    this.accountBinding = accountBinding;
  }

  public TableSelector getTableSelector() {
    return tableSelector;
  }

  public void setTableSelector(TableSelector tableSelector) {
    this.tableSelector = tableSelector;
  }

  public PolicyTemplate getTemplate() {
    return template;
  }

  public void setTemplate(PolicyTemplate template) {
    this.template = template;
  }
}
