using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    public class PassThroughPolicyTests
    {
        /// <summary>The header-only verdict never rules out a file preparing passes through; the whole verdict is preparing's.</summary>
        [Theory]
        [MemberData(nameof(TestCorpus.GoodFiles), MemberType = typeof(TestCorpus))]
        public void HeaderVerdictNeverPromisesLessThanPreparingDoes(string name)
        {
            string file = TestCorpus.File(name);
            foreach (var options in new[] { new PrepareOptions(), new PrepareOptions { Model = "gpt-4o", Detail = ImageDetail.Low }, new PrepareOptions { Format = PreparedFormat.Png } })
            {
                bool headerSays = ImagePreparer.HeaderAllowsPassThrough(ImageProbe.Probe(file), options);
                PreparedImage prepared = ImagePreparer.Prepare(file, options);
                // Preparing's own verdict (Get-VisionImageInfo's WouldPassThrough) is what preparing did.
                Assert.Equal(prepared.Action == PrepareAction.Pass, ImagePreparer.WouldPassThrough(file, ImageProbe.Probe(file), options));
                if (prepared.Action == PrepareAction.Pass)
                {
                    Assert.True(headerSays, $"{name} passed through, but its header said it would not");
                }
                else if (headerSays)
                {
                    // Allowed only for what a header cannot see: a colour profile, a damaged file, or an alpha channel
                    // no pixel uses (sent without it).
                    ImageHeader header = ImageProbe.Probe(file);
                    Assert.True(header.HasIccProfile || prepared.Warnings.Count > 0 || (header.HasAlpha && !HasAlphaChannel(prepared)),
                        $"{name}: the header allowed pass-through but preparing re-encoded it for a reason the header shows");
                }
            }
        }

        /// <summary>Whether a prepared image keeps an alpha channel (a PNG's colour type 4 or 6, or a tRNS chunk).</summary>
        private static bool HasAlphaChannel(PreparedImage prepared) => prepared.MimeType == "image/png"
            && (prepared.Bytes[25] is 4 or 6 || TestPngChunks.Chunks(prepared.Bytes).Exists(c => c.Type == "tRNS"));
    }
}
