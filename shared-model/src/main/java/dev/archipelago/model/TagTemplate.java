package dev.archipelago.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Works out the per-platform tags and the index tags of a build from its tag, a per-arch
 * template and explicit overrides.
 *
 * <p>
 * The template knows {@code {tag}} and {@code {arch}} (the platform's tag-safe name, such as
 * {@code ppc64le} or {@code arm-v7}); the default is {@code {tag}-{arch}}. An explicit tag for a
 * platform wins over the template, which is how the tutorial's {@code gitlab-pyflask-x86} is
 * expressed. The index tags default to the build's tag alone.
 */
public final class TagTemplate {

    /** The per-arch template used when a request names none. */
    public static final String DEFAULT_ARCH_TEMPLATE = "{tag}-{arch}";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");
    private static final List<String> KNOWN_PLACEHOLDERS = List.of("tag", "arch");

    private TagTemplate() {
    }

    /** The tags of one build: one per platform, and those the index goes under. */
    public record Plan(Map<Platform, String> archTags, List<String> indexTags) {
        public String archTag(Platform platform) {
            String tag = archTags.get(platform);
            if (tag == null) {
                throw new IllegalArgumentException("no tag planned for " + platform);
            }
            return tag;
        }
    }

    /**
     * Plans the tags and checks that every one is valid and that no two of them collide.
     *
     * @param tag the build's tag
     * @param archTemplate per-arch template, or null for {@link #DEFAULT_ARCH_TEMPLATE}
     * @param explicit explicit per-platform tags keyed by any platform spelling, or null
     * @param indexTags the index tags, or null/empty for {@code [tag]}
     * @param platforms the platforms of the build
     * @throws IllegalArgumentException saying what to fix
     */
    public static Plan plan(String tag, String archTemplate, Map<String, String> explicit,
            List<String> indexTags, Collection<Platform> platforms) {
        ImageReference.validateTag(tag);
        String template = archTemplate == null || archTemplate.isBlank() ? DEFAULT_ARCH_TEMPLATE : archTemplate;
        checkTemplate(template);

        Map<Platform, String> overrides = new HashMap<>();
        if (explicit != null) {
            for (Map.Entry<String, String> entry : explicit.entrySet()) {
                Platform platform = Platform.parse(entry.getKey());
                if (!platforms.contains(platform)) {
                    throw new IllegalArgumentException("archTags names " + platform.ociName()
                            + ", which is not one of the requested platforms " + platforms);
                }
                ImageReference.validateTag(entry.getValue());
                overrides.put(platform, entry.getValue());
            }
        }

        Map<Platform, String> archTags = new LinkedHashMap<>();
        Map<String, Platform> owners = new HashMap<>();
        for (Platform platform : platforms.stream().sorted().toList()) {
            String archTag = overrides.containsKey(platform) ? overrides.get(platform) : render(template, tag, platform);
            ImageReference.validateTag(archTag);
            Platform clash = owners.put(archTag, platform);
            if (clash != null) {
                throw new IllegalArgumentException("platforms " + clash + " and " + platform + " would both be tagged '"
                        + archTag + "'; give them distinct tags");
            }
            archTags.put(platform, archTag);
        }

        List<String> index = indexTags == null || indexTags.isEmpty() ? List.of(tag) : List.copyOf(indexTags);
        List<String> seen = new ArrayList<>();
        for (String indexTag : index) {
            ImageReference.validateTag(indexTag);
            if (owners.containsKey(indexTag)) {
                throw new IllegalArgumentException("index tag '" + indexTag + "' is also the tag of platform "
                        + owners.get(indexTag) + "; the index would overwrite that image");
            }
            if (seen.contains(indexTag)) {
                throw new IllegalArgumentException("index tag '" + indexTag + "' is listed twice");
            }
            seen.add(indexTag);
        }
        return new Plan(Map.copyOf(archTags), List.copyOf(index));
    }

    /** Renders a per-arch template for one platform; the result is not validated. */
    public static String render(String template, String tag, Platform platform) {
        checkTemplate(template);
        return template.replace("{tag}", tag).replace("{arch}", platform.tagSafeName());
    }

    private static void checkTemplate(String template) {
        Matcher m = PLACEHOLDER.matcher(template);
        boolean hasArch = false;
        while (m.find()) {
            if (!KNOWN_PLACEHOLDERS.contains(m.group(1))) {
                throw new IllegalArgumentException("archTagTemplate '" + template + "' has unknown placeholder {"
                        + m.group(1) + "}; known: {tag}, {arch}");
            }
            hasArch |= m.group(1).equals("arch");
        }
        if (!hasArch) {
            throw new IllegalArgumentException("archTagTemplate '" + template
                    + "' must contain {arch}, or every platform would get the same tag");
        }
    }
}
