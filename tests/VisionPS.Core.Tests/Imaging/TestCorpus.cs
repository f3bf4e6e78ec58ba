using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>The public corpus (../shared/corpus/make-corpus.sh) and the reference tools the tests compare against.</summary>
    internal static class TestCorpus
    {
        public static string Root { get; } = FindRoot();

        public static string Dir { get; } = Environment.GetEnvironmentVariable("VISIONPS_CORPUS") is { Length: > 0 } c
            ? c
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "visionps-corpus");

        public static string File(string name) => Path.Combine(Dir, name);

        public static string Bad(string name) => Path.Combine(Dir, "bad", name);

        /// <summary>MANIFEST.tsv rows: file, format, width, height, bytes, frames, colorspace, exif_orientation.</summary>
        public static IReadOnlyList<string[]> Manifest { get; } = System.IO.File.ReadLines(Path.Combine(Root, "..", "shared", "corpus", "MANIFEST.tsv"))
            .Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();

        public static IEnumerable<object[]> GoodFiles() => Manifest.Select(r => new object[] { r[0] });

        public static IEnumerable<object[]> BadFiles() =>
            Directory.GetFiles(Path.Combine(Dir, "bad")).OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

        /// <summary>Runs a tool and returns its stdout bytes; throws with stderr when it fails.</summary>
        public static byte[] Run(string tool, params string[] args)
        {
            var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            using var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} {string.Join(" ", args)} failed ({p.ExitCode}): {err.Result}");
            }
            return ms.ToArray();
        }

        /// <summary>PSNR in dB over RGBA bytes, colours composited over mid-grey (so hidden colours under alpha 0 do not count), alpha compared too.</summary>
        public static double Psnr(byte[] a, byte[] b)
        {
            if (a.Length != b.Length)
            {
                throw new ArgumentException($"pixel buffers differ in size: {a.Length} vs {b.Length}");
            }
            double sum = 0;
            for (int i = 0; i < a.Length; i += 4)
            {
                double aa = a[i + 3] / 255.0, ab = b[i + 3] / 255.0;
                for (int c = 0; c < 3; c++)
                {
                    double va = (a[i + c] * aa) + (128 * (1 - aa));
                    double vb = (b[i + c] * ab) + (128 * (1 - ab));
                    sum += (va - vb) * (va - vb);
                }
                sum += (a[i + 3] - b[i + 3]) * (double)(a[i + 3] - b[i + 3]);
            }
            double mse = sum / a.Length;
            return mse == 0 ? 99 : 10 * Math.Log10(255.0 * 255.0 / mse);
        }

        /// <summary>Decodes any file ImageMagick reads into 8-bit RGBA (first frame).</summary>
        public static byte[] MagickRgba(string file, out int width, out int height)
        {
            string[] size = System.Text.Encoding.ASCII.GetString(Run("identify", "-format", "%w %h", file + "[0]")).Split(' ');
            width = int.Parse(size[0]);
            height = int.Parse(size[1]);
            return Run("convert", file + "[0]", "-colorspace", "sRGB", "-depth", "8", "rgba:-");
        }

        private static string FindRoot()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir is not null && !System.IO.File.Exists(Path.Combine(dir, "VisionPS.psd1")))
            {
                dir = Path.GetDirectoryName(dir);
            }
            return dir ?? throw new InvalidOperationException("Cannot find the repository root (VisionPS.psd1).");
        }
    }
}
