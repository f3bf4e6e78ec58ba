using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using VisionPS.Core.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>Every corpus file prepared once, then checked against Debian's ImageMagick.</summary>
    public class ReferenceDecoderTests
    {
        private readonly ITestOutputHelper _output;

        public ReferenceDecoderTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void EveryCorpusFilePreparesAndMatchesImageMagicksLanczosReference()
        {
            string[] names = TestCorpus.Manifest.Select(r => r[0]).ToArray();
            var options = new PrepareOptions();
            List<PrepareResult> results = ImagePreparer.PrepareMany(names.Select(TestCorpus.File), options).ToList();
            Assert.Equal(names.Length, results.Count);
            Assert.Equal(Enumerable.Range(0, names.Length), results.Select(r => r.Index));

            var psnrs = new ConcurrentDictionary<string, double>();
            var problems = new ConcurrentBag<string>();
            string dir = Path.Combine(Path.GetTempPath(), "visionps-ref-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                Parallel.ForEach(results, new ParallelOptions { MaxDegreeOfParallelism = 2 }, r =>
                {
                    string name = Path.GetFileName(r.SourceName);
                    if (r.Image is not PreparedImage image)
                    {
                        problems.Add($"{name}: {r.Error}");
                        return;
                    }
                    ImageHeader header = ImageProbe.Probe(r.SourceName);
                    (int tw, int th) = ImagePreparer.TargetSize(header.DisplayWidth, header.DisplayHeight, options);
                    if (image.Action == PrepareAction.Pass)
                    {
                        if (!image.Bytes.AsSpan().SequenceEqual(File.ReadAllBytes(r.SourceName)))
                        {
                            problems.Add($"{name}: pass-through bytes differ from the file");
                        }
                        if ((image.Width, image.Height) != (header.Width, header.Height))
                        {
                            problems.Add($"{name}: pass-through reports {image.Width}x{image.Height}");
                        }
                        return;
                    }
                    if ((image.Width, image.Height) != (tw, th))
                    {
                        problems.Add($"{name}: {image.Width}x{image.Height}, documented size is {tw}x{th}");
                        return;
                    }
                    if (header.Format != ImageFormat.Jpeg && (long)header.Width * header.Height > 6_000_000)
                    {
                        // The 16.7 MP WebPs take ImageMagick seconds each on this shared 2-core machine: their outputs
                        // are checked for size and decodability above; PSNR runs on the rest (JPEGs via DCT shrink).
                        TestCorpus.MagickRgba(WriteOut(dir, name, image), out int bw, out int bh);
                        if ((bw, bh) != (tw, th))
                        {
                            problems.Add($"{name}: ImageMagick reads our output as {bw}x{bh}");
                        }
                        return;
                    }
                    string ours = WriteOut(dir, name, image);
                    byte[] mine = TestCorpus.MagickRgba(ours, out int ow, out int oh);
                    if ((ow, oh) != (tw, th))
                    {
                        problems.Add($"{name}: ImageMagick reads our output as {ow}x{oh}");
                        return;
                    }
                    var args = new List<string>();
                    if (header.Format == ImageFormat.Jpeg && header.Width >= 2 * tw && header.Height >= 2 * th)
                    {
                        // libjpeg's DCT shrink to >= 2x the target keeps the reference fast and exact enough.
                        (int sw, int sh) = header.Orientation >= 5 ? (th, tw) : (tw, th);
                        args.AddRange(new[] { "-define", $"jpeg:size={sw * 2}x{sh * 2}" });
                    }
                    args.AddRange(new[] { r.SourceName + "[0]", "-auto-orient", "-colorspace", "sRGB", "-filter", "Lanczos",
                        "-resize", $"{tw}x{th}!", "-depth", "8", "rgba:-" });
                    byte[] reference = TestCorpus.Run("convert", args.ToArray());
                    psnrs[name] = TestCorpus.Psnr(mine, reference);
                });
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
            foreach (var kv in psnrs.OrderBy(kv => kv.Value))
            {
                _output.WriteLine($"{kv.Value,6:0.0} dB  {kv.Key}");
            }
            Assert.True(problems.IsEmpty, string.Join("\n", problems));
            double[] values = psnrs.Values.OrderBy(v => v).ToArray();
            Assert.True(values.Length >= 20, $"only {values.Length} re-encoded files compared");
            double median = values[values.Length / 2];
            string table = string.Join(", ", psnrs.OrderBy(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value:0.0}"));
            Assert.True(median >= 35, $"median PSNR {median:0.0} dB < 35: {table}");
            Assert.True(values[0] >= 30, $"worst PSNR {values[0]:0.0} dB < 30: {table}");
        }

        private static string WriteOut(string dir, string name, PreparedImage image)
        {
            string ext = image.MimeType == "image/png" ? ".png" : ".jpg";
            string ours = Path.Combine(dir, Path.GetFileNameWithoutExtension(name) + ext);
            File.WriteAllBytes(ours, image.Bytes);
            return ours;
        }
    }
}
