package dev.archipelago.model.events;

/**
 * What the assembler attaches beside a build's images (docs/supply-chain.md): SLSA provenance for
 * each platform image and the index, a CycloneDX SBOM per platform image, cosign signatures of
 * every image and the index. Each is on unless turned off; an attachment that fails makes the
 * build FAILED, unless {@code bestEffort} is set, in which case it becomes a warning.
 */
public record SupplyChain(Boolean provenance, Boolean sbom, Boolean signatures, Boolean bestEffort) {

    /** Everything on, failures fatal: what a request that says nothing gets. */
    public static final SupplyChain DEFAULT = new SupplyChain(true, true, true, false);

    public SupplyChain {
        provenance = provenance == null || provenance;
        sbom = sbom == null || sbom;
        signatures = signatures == null || signatures;
        bestEffort = bestEffort != null && bestEffort;
    }

    /** The selection a request or pipeline made, or the default when it made none. */
    public static SupplyChain orDefault(SupplyChain chosen) {
        return chosen == null ? DEFAULT : chosen;
    }
}
