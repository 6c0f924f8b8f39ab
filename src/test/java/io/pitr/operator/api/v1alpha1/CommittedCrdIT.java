package io.pitr.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.testing.CustomResourceDefinitions;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The CRD committed under crds/, which users and GitOps tools apply, is exactly the one the build
 * generates from the Java model. Runs after packaging, when the generated file exists.
 */
class CommittedCrdIT {

  @Test
  void committedCrdMatchesTheJavaModel() throws IOException {
    var committed =
        CustomResourceDefinitions.committedFile(
            CustomResourceDefinitions.CONTINUOUS_BACKUPS_POLICY);
    var generated =
        CustomResourceDefinitions.generatedFile(
            CustomResourceDefinitions.CONTINUOUS_BACKUPS_POLICY);

    assertThat(Files.readString(committed))
        .as(
            "%s is out of date with the Java model; refresh it with: cp %s %s",
            committed, generated, committed)
        .isEqualTo(Files.readString(generated));
  }
}
