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

        /// <summary>The corpus wizard PNG cut after 2/5 of its bytes: the file ends part way down the image.</summary>
        private string CutPng()
        {
            string path = Path.Combine(Work, "cut_wizard.png");
            byte[] whole = File.ReadAllBytes(Paths.CorpusFile("png_wizard_1104x1468_rgba.png"));
            File.WriteAllBytes(path, whole.AsSpan(0, whole.Length * 2 / 5).ToArray());
            return path;
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

        [Fact]
        public void TheFirstFrameWarningOfAnAnimationReachesSendVisionChatsWarningStream()
        {
            using var ps = Session();
            ps.Run("Send-VisionChat 'Describe.' -Image $args[0]", Paths.CorpusFile("gif_anim_aero_350x189.gif"));
            Assert.Empty(ps.Errors);
            Assert.Contains(ps.Warnings, w => w.Contains("only the first frame is sent", StringComparison.Ordinal));
        }
    }
}
