package io.pitr.operator.api.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBinding;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Build-time CRD post-processor (quarkus.operator-sdk.crd.post-processor): puts the printer columns
 * in the order they are declared on the resource class ({@link ContinuousBackupsPolicy}, {@link
 * ContinuousBackupsPolicySet}, {@link DynamoDbAccountBinding}). Fabric8's generator sorts them by
 * JSON path, and kubectl shows them in CRD order, which would put Age first.
 */
public class DeclaredPrinterColumnOrder implements CRDPostProcessor {

  private static final List<Class<?>> RESOURCES =
      List.of(
          ContinuousBackupsPolicy.class,
          ContinuousBackupsPolicySet.class,
          DynamoDbAccountBinding.class);

  @Override
  public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
    if (!(crd instanceof CustomResourceDefinition definition)) {
      return crd;
    }
    String kind = definition.getSpec().getNames().getKind();
    Optional<Class<?>> resource =
        RESOURCES.stream().filter(type -> type.getSimpleName().equals(kind)).findFirst();
    if (resource.isEmpty()) {
      return crd;
    }
    List<String> declared =
        Arrays.stream(resource.get().getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    for (CustomResourceDefinitionVersion version : definition.getSpec().getVersions()) {
      List<CustomResourceColumnDefinition> columns = version.getAdditionalPrinterColumns();
      if (columns != null) {
        columns.sort(Comparator.comparingInt(column -> rank(declared, column.getName())));
      }
    }
    return crd;
  }

  private static int rank(List<String> declared, String name) {
    int index = declared.indexOf(name);
    return index < 0 ? Integer.MAX_VALUE : index;
  }
}
