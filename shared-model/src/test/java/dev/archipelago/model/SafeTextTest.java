package dev.archipelago.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.archipelago.model.events.ArchBuildEvent;
import dev.archipelago.model.events.BuildErrorCode;

class SafeTextTest {

    @Test
    void nulAndOtherControlCharactersBecomeTheReplacementCharacter() {
        assertThat(SafeText.line("before\u0000after")).isEqualTo("before\uFFFDafter");
        assertThat(SafeText.line("bell\u0007 and del\u007F and c1\u0085")).isEqualTo("bell\uFFFD and del\uFFFD and c1\uFFFD");
        assertThat(SafeText.line("a\ttab stays")).isEqualTo("a\ttab stays");
    }

    @Test
    void aLineShowsWhatATerminalWouldShow() {
        assertThat(SafeText.line("Copying blob 10%\rCopying blob 100%")).isEqualTo("Copying blob 100%");
        assertThat(SafeText.line("\u001B[31mred\u001B[0m text")).isEqualTo("red text");
    }

    @Test
    void invalidUtf8DecodedWithReplacementStaysReadable() {
        String decoded = new String(new byte[] { 'o', 'k', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '!' },
                StandardCharsets.UTF_8);
        assertThat(SafeText.line(decoded)).startsWith("ok").endsWith("!").doesNotContain("\u0000");
    }

    @Test
    void aHugeLineIsCutAndSaysHowMuchWasLeftOut() {
        String line = SafeText.line("x".repeat(10_000_000));
        assertThat(line).startsWith("x".repeat(SafeText.MAX_LINE)).endsWith(" [9998000 more characters]");
        assertThat(line.length()).isLessThan(SafeText.MAX_LINE + 40);
    }

    @Test
    void aLoneSurrogateCannotBreakTheEncoding() {
        assertThat(SafeText.line("a\uD800b")).isEqualTo("a\uFFFDb");
        assertThat(SafeText.line("emoji \uD83D\uDE00 ok")).isEqualTo("emoji \uD83D\uDE00 ok");
    }

    @Test
    void aTailKeepsTheLastLinesAndSplitsEmbeddedNewlines() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            lines.add("line " + i);
        }
        lines.add("two\nlines");
        List<String> tail = SafeText.tail(lines);
        assertThat(tail).hasSize(SafeText.MAX_LINES).endsWith("line 499", "two", "lines");
    }

    @Test
    void aFailureEventCarriesOnlySafeText() {
        ArchBuildEvent.Failure failure = new ArchBuildEvent.Failure(BuildErrorCode.BUILD_FAILED, "step\u0000failed",
                List.of("before\u0000after", "y".repeat(50_000)));
        assertThat(failure.message()).isEqualTo("step\uFFFDfailed");
        assertThat(failure.logTail().get(0)).isEqualTo("before\uFFFDafter");
        assertThat(failure.logTail().get(1)).hasSizeLessThan(SafeText.MAX_LINE + 40);
    }
}
