using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// A damaged image as users meet it: refused with ImageDamaged naming the file and the damage, the rest of the
    /// input still sent; with -AllowPartial sent in part, the warning on the warning stream of every sending cmdlet.
    /// </summary>
    public sealed class DamagedImageTests : LocalEndpointTests
    {
        public DamagedImageTests()
            : base("sk-visionps-test-NEVER-PRINT-d19", "damaged")
        {
        }

        [Fact]
        public void SendVisionChatRefusesADamagedFileAsImageDamagedAndSendsTheOthers()
        {
            using var ps = Session();
            var results = ps.Run("Send-VisionChat 'Describe.' -Image $args -PerImage", CutPng(), Paths.CorpusFile("jpg_gray_cat_512.jpg"));
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("ImageDamaged,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("cut_wizard.png", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("ends after row", error.ToString(), StringComparison.Ordinal);
            Assert.Single(results);
        }

        [Fact]
        public void AllowPartialSendsTheDecodablePartWithAWarningOnTheWarningStream()
        {
            using var ps = Session();
            var results = ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -AllowPartial", CutPng());
            Assert.Empty(ps.Errors);
            Assert.Single(results);
            Assert.Contains(ps.Warnings, w => w.Contains("cut_wizard.png", StringComparison.Ordinal)
                && w.Contains("of 1468 rows decoded", StringComparison.Ordinal));
        }

        [Fact]
        public void StartVisionBatchAndAddAssistantImageWarnTooAndConvertToVisionImageRefusesWithoutTheSwitch()
        {
            using var ps = Session();
            string cut = CutPng();
            ps.Run("Start-VisionBatch 'Describe.' -Image $args[0] -AllowPartial", cut);
            Assert.Empty(ps.Errors);
            Assert.Contains(ps.Warnings, w => w.Contains("of 1468 rows decoded", StringComparison.Ordinal));

            ps.Run("Add-AssistantImage -Image $args[0] -Prompt 'Remember this.' -AllowPartial", cut);
            Assert.Empty(ps.Errors);
            Assert.Contains(ps.Warnings, w => w.Contains("of 1468 rows decoded", StringComparison.Ordinal));

            ps.Run("ConvertTo-VisionImage -Path $args[0]", cut);
            Assert.StartsWith("ImageDamaged,", Assert.Single(ps.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
        }

        /// <summary>
        /// A JPEG whose scan is followed by 12 bytes that belong to no block, before an intact EOI: Skia's codec decodes it
        /// without a word, libjpeg warns. Refused in VisionPS's words (libjpeg's own phrase quoted), ImageMagick's text on
        /// the debug stream only; with -AllowPartial sent with a warning that the pixels may be wrong.
        /// </summary>
        [Fact]
        public void AJpegWithCorruptScanDataIsRefusedNamingWhatLibjpegFoundAndSentWithAWarningOnRequest()
        {
            string path = Path.Combine(Work, "extra_wizard.jpg");
            // Small enough to pass through for any model: only a file that would go out unchanged is checked.
            byte[] whole = File.ReadAllBytes(Paths.CorpusFile("jpg_wizard_265x352_prog.jpg"));
            File.WriteAllBytes(path, whole.AsSpan(0, whole.Length - 2).ToArray()
                .Concat(Enumerable.Range(1, 12).Select(i => (byte)i)).Concat(new byte[] { 0xFF, 0xD9 }).ToArray());
            using var ps = Session();

            ps.Run("$DebugPreference = 'Continue'; ConvertTo-VisionImage -Path $args[0]", path);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("ImageDamaged,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Matches(@"extra_wizard\.jpg' \(JPEG\) is damaged: its entropy-coded scan is corrupt \(libjpeg: \d+ extraneous bytes before marker 0xD9\)",
                error.ToString());
            Assert.DoesNotContain("JPEGWarningHandler", error.ToString(), StringComparison.Ordinal);
            Assert.Contains(ps.Debug, d => d.Contains("the decoder (ImageMagick) said", StringComparison.Ordinal)
                && d.Contains("JPEGWarningHandler", StringComparison.Ordinal));

            var results = ps.Run("$DebugPreference = 'SilentlyContinue'; Send-VisionChat 'Describe.' -Image $args[0] -AllowPartial", path);
            Assert.Empty(ps.Errors);
            Assert.Single(results);
            Assert.Contains(ps.Warnings, w => w.Contains("extra_wizard.jpg", StringComparison.Ordinal)
                && w.Contains("extraneous bytes before marker 0xD9", StringComparison.Ordinal)
                && w.Contains("may be wrong", StringComparison.Ordinal));
        }

        [Fact]
        public void TheFirstFrameWarningOfAnAnimationReachesSendVisionChatsWarningStream()
        {
            using var ps = Session();
            ps.Run("Send-VisionChat 'Describe.' -Image $args[0]", Paths.CorpusFile("gif_anim_aero_350x189.gif"));
            Assert.Empty(ps.Errors);
            Assert.Contains(ps.Warnings, w => w.Contains("only the first frame is sent", StringComparison.Ordinal));
        }

        /// <summary>
        /// A HEIC ImageMagick cannot read: the error is in VisionPS's words; with debug output on the decoder's raw text (its
        /// temporary file and source location) reaches the debug stream, and without it does not.
        /// </summary>
        [Fact]
        public void TheDecodersRawTextGoesToTheDebugStreamOnlyWithDebug()
        {
            // An LZW TIFF with garbage inside its compressed pixels: libtiff, inside ImageMagick, refuses it in its own
            // words. (A file cut short is found from its own tables before any decoder runs, so it has no raw text.)
            string cut = Path.Combine(Work, "garbled_wood.tif");
            byte[] whole = File.ReadAllBytes(Paths.CorpusFile("d_tif_lzw_wood.tif"));
            whole.AsSpan(whole.Length / 3, 2000).Fill(0xFF);
            File.WriteAllBytes(cut, whole);
            using var ps = Session();

            // $DebugPreference as a script sets it (the hosted engine turns a bound -Debug's error into a prompt).
            ps.Run("$DebugPreference = 'Continue'; ConvertTo-VisionImage -Path $args[0]", cut);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Contains("garbled_wood.tif", error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(" @ ", error.ToString(), StringComparison.Ordinal);
            string debug = Assert.Single(ps.Debug, d => d.Contains("the decoder (ImageMagick) said", StringComparison.Ordinal));
            Assert.Contains("garbled_wood.tif", debug, StringComparison.Ordinal);
            var raw = (string)error.Exception.Data["MagickMessage"]!;
            Assert.EndsWith(raw, debug, StringComparison.Ordinal);

            ps.Run("$DebugPreference = 'Continue'; Send-VisionChat 'Describe.' -Image $args[0]", cut);
            Assert.Single(ps.Errors);
            Assert.Contains(ps.Debug, d => d.Contains("the decoder (ImageMagick) said", StringComparison.Ordinal));

            ps.Run("$DebugPreference = 'SilentlyContinue'; ConvertTo-VisionImage -Path $args[0]", cut);
            Assert.Single(ps.Errors);
            Assert.DoesNotContain(ps.Debug, d => d.Contains("the decoder (ImageMagick) said", StringComparison.Ordinal));
        }
    }
}
