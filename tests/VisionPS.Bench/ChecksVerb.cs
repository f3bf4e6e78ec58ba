using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.IO;
using System.Threading.Tasks;
using SkiaSharp;
using VisionPS.Core.Imaging;

namespace VisionPS.Bench
{
    /// <summary>
    /// checks [--runs N] FILE...
    /// The cost of the integrity and alpha checks, per megapixel of source: the structural check (chunk CRCs, RIFF
    /// size, GIF blocks, JPEG EOI and marker walk), the whole-file proof a pass-through candidate gets (PNG: the complete zlib
    /// stream, with the alpha samples read in the same pass when it declares transparency, as a pass-through candidate's are; JPEG: libjpeg-turbo's 1/8-scale decode of every scan with its warnings, through Magick.NET; GIF/WebP: a full decode), and the alpha scan of a decoded RGBA
    /// raster. For a PNG, also what unfiltering every row inside the proof adds (the alpha verdict's worst case: an image
    /// whose every pixel is opaque; a transparent one stops at its first transparent pixel). Best of N runs per file; one
    /// line per file, then the totals.
    /// </summary>
    internal static class ChecksVerb
    {
        public static Task<int> RunAsync(string[] args)
        {
            int runs = 5;
            var files = new List<string>();
            const string Usage = "usage: checks [--runs N] FILE...";
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--runs")
                {
                    if (i + 1 >= args.Length || !int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out runs) || runs < 1)
                    {
                        Console.Error.WriteLine($"checks: --runs needs a whole number of at least 1\n{Usage}");
                        return Task.FromResult(2);
                    }
                }
                else if (args[i].StartsWith("-", StringComparison.Ordinal))
                {
                    Console.Error.WriteLine($"checks: unknown option '{args[i]}'\n{Usage}");
                    return Task.FromResult(2);
                }
                else
                {
                    files.Add(args[i]);
                }
            }
            string? missing = files.FirstOrDefault(f => !File.Exists(f));
            if (files.Count == 0 || missing is not null)
            {
                Console.Error.WriteLine((missing is null ? "checks: no files" : $"checks: no such file '{missing}'") + $"\n{Usage}");
                return Task.FromResult(2);
            }
            double structMs = 0, wholeMs = 0, alphaMs = 0, mp = 0, alphaMp = 0, unfilterMs = 0, pngMp = 0;
            Console.WriteLine("file\tMP\tstructure_ms\twhole_ms\talpha_ms\tpng_unfilter_ms");
            foreach (string file in files)
            {
                byte[] data = File.ReadAllBytes(file);
                ImageFormat format = FormatSniffer.Sniff(data);
                if (format is not (ImageFormat.Png or ImageFormat.Jpeg or ImageFormat.Gif or ImageFormat.WebP))
                {
                    continue;
                }
                using SkiaSource? source = SkiaSource.Open(data, out _);
                if (source is null)
                {
                    continue;
                }
                ImageHeader header = ImageProbe.HeaderFromSkia(source.Codec, data, format);
                double m = (double)header.Width * header.Height / 1e6;
                // JPEG: the EOI and the marker walk (what every JPEG gets, re-encoded or not).
                double s = Best(runs, () =>
                {
                    ImageIntegrity.CheckStructure(format, data);
                    if (format == ImageFormat.Jpeg)
                    {
                        JpegMarkers.Check(data);
                    }
                });
                double w = Best(runs, () =>
                {
                    if (format == ImageFormat.Png)
                    {
                        ImageIntegrity.PngChunks(data, out List<(int Offset, int Length)> idat);
                        ImageIntegrity.PngPixelStream(data, header, idat, out _, pixels: header.HasAlpha ? PngAlphaScan.For(data, header) : null);
                    }
                    else if (format != ImageFormat.Jpeg || !JpegScanCheck.TryCheck(data, header, out _))
                    {
                        SkiaDecoder.VerifyWhole(source.Codec, header, file);
                    }
                });
                using var bitmap = new SKBitmap(new SKImageInfo(header.Width, header.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
                source.Codec.GetPixels(bitmap.Info, bitmap.GetPixels());
                if (format == ImageFormat.Jpeg)
                {
                    // JPEGs decode opaque; scan a filled raster all the same to time the scan itself.
                    bitmap.Erase(SKColors.White);
                }
                double a = Best(runs, () => PixelAlpha.AnyTranslucent(bitmap));
                double u = 0;
                if (format == ImageFormat.Png)
                {
                    ImageIntegrity.PngChunks(data, out List<(int Offset, int Length)> idat);
                    double plain = Best(runs, () => ImageIntegrity.PngPixelStream(data, header, idat, out _));
                    double all = Best(runs, () => ImageIntegrity.PngPixelStream(data, header, idat, out _, pixels: new EveryRow(header)));
                    u = Math.Max(0, all - plain);
                    unfilterMs += u;
                    pngMp += m;
                }
                Console.WriteLine($"{Path.GetFileName(file)}\t{m:0.00}\t{s:0.00}\t{w:0.00}\t{a:0.00}\t{(format == ImageFormat.Png ? u.ToString("0.00", CultureInfo.InvariantCulture) : "-")}");
                structMs += s;
                wholeMs += w;
                alphaMs += a;
                mp += m;
                alphaMp += m;
            }
            Console.WriteLine($"total\t{mp:0.00}\t{structMs:0.0}\t{wholeMs:0.0}\t{alphaMs:0.0}\t{unfilterMs:0.0}");
            Console.WriteLine($"per MP\t\t{structMs / mp:0.00}\t{wholeMs / mp:0.00}\t{alphaMs / alphaMp:0.00}\t{(pngMp > 0 ? unfilterMs / pngMp : 0):0.00}");
            return Task.FromResult(0);
        }

        /// <summary>Unfilters every row and looks at none: what reading a PNG's pixels inside its proof costs at most.</summary>
        private sealed class EveryRow : PngScanlines
        {
            public EveryRow(ImageHeader header)
                : base(header, (int)ImageIntegrity.BitsPerPixel(header))
            {
            }

            protected override string? Row(ReadOnlySpan<byte> pixels, long width) => null;
        }

        private static double Best(int runs, Action work)
        {
            double best = double.MaxValue;
            for (int i = 0; i < runs; i++)
            {
                var sw = Stopwatch.StartNew();
                work();
                best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
            }
            return best;
        }
    }
}
