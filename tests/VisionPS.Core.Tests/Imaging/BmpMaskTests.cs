using System;
using System.Diagnostics;
using System.IO;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>
    /// A BI_BITFIELDS BMP whose colour mask is not one run of bits is malformed (BMP requires contiguous masks). Skia
    /// would read it anyway and print "Warning: Bit mask is not continuous." on the process's standard error, which in
    /// pwsh reaches the console past every PowerShell stream and redirection.
    /// </summary>
    public class BmpMaskTests
    {
        private static byte[] WithMask(int index, uint mask)
        {
            byte[] bmp = TransparencyAndCodecErrorTests.Bmp32WithAlphaMask(40, 30, (x, y) => 0xFF204080u);
            BitConverter.GetBytes(mask).CopyTo(bmp, 54 + (4 * index));
            return bmp;
        }

        [Theory]
        [InlineData(0, 0x00F0F000u, "red")]
        [InlineData(1, 0x0000FF01u, "green")]
        [InlineData(2, 0x00000085u, "blue")]
        [InlineData(3, 0xF0000F00u, "alpha")]
        public void ABrokenMaskIsRefusedNamingIt(int index, uint mask, string name)
        {
            var ex = Assert.Throws<ImageProcessingException>(() => ImagePreparer.Prepare(WithMask(index, mask), "masks.bmp", new PrepareOptions { AllowPartial = true }));
            Assert.Equal(ImageErrorReason.Damaged, ex.Reason);
            Assert.Contains("'masks.bmp'", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"{name} bit mask (0x{mask:X8}) is not one run of bits", ex.Message, StringComparison.Ordinal);
            Assert.Throws<ImageProcessingException>(() => ImageProbe.Probe(WithMask(index, mask), "masks.bmp"));
        }

        [Theory]
        [InlineData(0, 0x00FF0000u)]
        [InlineData(0, 0x00000000u)]   // no red at all: allowed
        [InlineData(3, 0x00000000u)]   // no alpha
        [InlineData(1, 0x0000FF00u)]
        public void ContiguousAndEmptyMasksStillDecode(int index, uint mask)
        {
            PreparedImage image = ImagePreparer.Prepare(WithMask(index, mask), "masks.bmp", new PrepareOptions());
            Assert.Equal(40, image.Width);
        }

        [Fact]
        public async System.Threading.Tasks.Task NothingIsPrintedOnTheProcessStandardError()
        {
            string file = Path.Combine(Path.GetTempPath(), $"visionps-mask-{Guid.NewGuid():N}.bmp");
            File.WriteAllBytes(file, WithMask(0, 0x00F0F000u));
            try
            {
                string bench = Path.Combine(TestCorpus.Root, "tests", "VisionPS.Bench", "bin",
                    AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release", "net10.0", "VisionPS.Bench.dll");
                var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                psi.ArgumentList.Add(bench);
                psi.ArgumentList.Add("prepare");
                psi.ArgumentList.Add(file);
                using var p = Process.Start(psi)!;
                var stdout = p.StandardOutput.ReadToEndAsync();
                string stderr = await p.StandardError.ReadToEndAsync();
                string output = await stdout;
                await p.WaitForExitAsync();
                Assert.Equal(1, p.ExitCode);
                Assert.Contains("not one run of bits", output, StringComparison.Ordinal);
                Assert.DoesNotContain("Bit mask", stderr + output, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(file);
            }
        }
    }
}
