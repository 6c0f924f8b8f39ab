package io.pitr.operator.api.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Build-time CRD post-processor (quarkus.operator-sdk.crd.post-processor): puts the printer columns
 * in the order they are declared on {@link ContinuousBackupsPolicy}. Fabric8's generator sorts them
 * by JSON path, and kubectl shows them in CRD order, which would put Age first.
 */
public class DeclaredPrinterColumnOrder implements CRDPostProcessor {

  @Override
  public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
    if (!(crd instanceof CustomResourceDefinition definition)
        || !definition
            .getSpec()
            .getNames()
            .getKind()
            .equals(kindOf(ContinuousBackupsPolicy.class))) {
      return crd;
    }
    List<String> declared =
        Arrays.stream(
                ContinuousBackupsPolicy.class.getAnnotationsByType(AdditionalPrinterColumn.class))
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

  private static String kindOf(Class<?> type) {
    return type.getSimpleName();
  }
}
