using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using Xunit;

namespace VisionPS.Core.Tests.OpenAI
{
    /// <summary>A service that repeats the caller's key in its answer: the key never reaches the answer, however written.</summary>
    public class SecretScrubberTests
    {
        private const string Key = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

        private static string Middle => Key.Substring(6, Key.Length - 10);

        /// <summary>The key with every second character written as a JSON \u escape (and a '-' as \u002d).</summary>
        private static string Escaped(string key)
            => string.Concat(key.Select((c, i) => i % 2 == 1 ? "\\u" + ((int)c).ToString("x4") : c.ToString()));

        [Fact]
        public void AKeyWrittenWithJsonEscapesIsRedactedInTheTextTheJsonAndWhatTheyParseTo()
        {
            string json = "{\"said\":\"Your key is " + Escaped(Key) + ".\",\"n\":[1,\"x\\/y " + Key.Substring(0, 10) + "\"]}";
            Assert.Contains(Key, JsonDocument.Parse(json).RootElement.GetProperty("said").GetString()); // what a parser gives back
            var answer = new ChatAnswer { Text = json, Json = json };

            new SecretScrubber(Key).Scrub(answer);

            Assert.True(answer.KeyRedacted);
            foreach (string text in new[] { answer.Text, answer.Json! })
            {
                using JsonDocument doc = JsonDocument.Parse(text); // still JSON
                string said = doc.RootElement.GetProperty("said").GetString()!;
                Assert.Equal("Your key is [redacted].", said);
                Assert.Equal("x/y " + Key.Substring(0, 10), doc.RootElement.GetProperty("n")[1].GetString()); // the rest as it was
                Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void AMaskedKeyWithEscapesAndEscapedSlashesIsRedactedToo()
        {
            const string withSlash = "azure/ABCDEFGHIJKLMNOPQRSTUVWXYZ/0123456789";
            var scrubber = new SecretScrubber(withSlash);
            string escaped = "{\"k\":\"" + withSlash.Replace("/", "\\/") + "\",\"m\":\"azu...\\u0045FGHIJKLMNOPQRSTUVWXYZ\\/012345...789\"}";

            string scrubbed = scrubber.Scrub(escaped);

            using JsonDocument doc = JsonDocument.Parse(scrubbed);
            Assert.Equal("[redacted]", doc.RootElement.GetProperty("k").GetString());
            Assert.DoesNotContain(withSlash.Substring(6, withSlash.Length - 10), doc.RootElement.GetProperty("m").GetString(), StringComparison.Ordinal);
        }

        [Fact]
        public void TheKeyInTheModelIdConversationOrFinishReasonIsRedacted()
        {
            var answer = new ChatAnswer { Text = "a cat", Model = "m-" + Key, ResponseId = Key, ConversationId = "conv_" + Key, FinishReason = Key };

            new SecretScrubber(Key).Scrub(answer);

            Assert.True(answer.KeyRedacted);
            Assert.Equal("a cat", answer.Text);
            Assert.Equal("m-[redacted]", answer.Model);
            Assert.Equal("[redacted]", answer.ResponseId);
            Assert.Equal("conv_[redacted]", answer.ConversationId);
            Assert.Equal("[redacted]", answer.FinishReason);
        }

        [Fact]
        public void AnAnswerWithoutTheKeyIsLeftAsItIs()
        {
            const string json = "{\"said\":\"caf\\u00e9 \\\"sk-proj\\\" C:\\\\u0041 \\\\\"}";
            var answer = new ChatAnswer { Text = json, Json = json, Model = "gpt-4o", ResponseId = "chatcmpl-1" };

            new SecretScrubber(Key).Scrub(answer);

            Assert.False(answer.KeyRedacted);
            Assert.Same(json, answer.Text);
            Assert.Same(json, answer.Json);
            Assert.Equal("plain text \\u00", new SecretScrubber(Key).Scrub("plain text \\u00"));
        }

        // Each copy used to rebuild the whole text and search it again from the start: 8,000 copies in 376 KB took 16 s,
        // 100,000 would take hours. Not a timing assertion: the old code does not end within the timeout at all.
        [Fact(Timeout = 120_000)]
        public async Task AnAnswerRepeatingTheKeyManyTimesIsScrubbedInOnePass()
        {
            const int copies = 100_000;
            var text = new StringBuilder();
            for (int i = 0; i < copies; i++)
            {
                text.Append(i % 3 == 0 ? Key : i % 3 == 1 ? "sk-...." + Middle + "...." : Escaped(Key)).Append(' ');
            }
            var scrubber = new SecretScrubber(Key);

            string scrubbed = await Task.Run(() => scrubber.Scrub(text.ToString()));

            Assert.DoesNotContain(Middle, scrubbed, StringComparison.Ordinal);
            Assert.Equal(copies, (scrubbed.Length - scrubbed.Replace("[redacted]", string.Empty).Length) / "[redacted]".Length);

            var pieces = scrubber.NewPieces();
            var shown = new StringBuilder();
            string whole = text.ToString();
            for (int at = 0; at < whole.Length; at += 1000)
            {
                shown.Append(await Task.Run(() => pieces.Next(whole.Substring(at, Math.Min(1000, whole.Length - at)))));
            }
            shown.Append(pieces.End());
            Assert.Equal(scrubbed, shown.ToString());
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AKeySplitAtAnyPointAcrossStreamPiecesNeverShows(bool escaped)
        {
            var scrubber = new SecretScrubber(Key);
            string written = escaped ? Escaped(Key) : Key;
            string text = "Your key is " + written + ", said twice: " + written + ".";
            for (int first = 1; first < text.Length; first++)
            {
                for (int size = 1; size <= 7; size += 3)
                {
                    // The text in a first piece cut at 'first', the rest in pieces of 'size' characters.
                    var pieces = scrubber.NewPieces();
                    var shown = new StringBuilder(pieces.Next(text.Substring(0, first)));
                    for (int at = first; at < text.Length; at += size)
                    {
                        shown.Append(pieces.Next(text.Substring(at, Math.Min(size, text.Length - at))));
                    }
                    shown.Append(pieces.End());

                    Assert.Equal("Your key is [redacted], said twice: [redacted].", shown.ToString());
                }
            }
        }
    }
}
