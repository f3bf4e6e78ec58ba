using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Imaging;

namespace VisionPS.Bench
{
    /// <summary>
    /// prepare [--max-side N] [--max-bytes N] [--png] [--detail low|high|auto|original] [--model NAME] [--out DIR]
    ///         [--parallel N] [--allow-partial] FILE...
    /// One JSON object per file, in input order:
    ///   file, ok, action (pass|reencode), mime, width, height, sourceWidth, sourceHeight, orientation, bytes,
    ///   dataUrlChars, tokens, ms, warnings, error ("Reason: message" when ok is false), raw (the codec's own text, if any)
    /// then one summary object: files, ok, failed, inputMegapixels, seconds, megapixelsPerSecond.
    /// Exit code 0 when every file prepared, 1 when any failed, 2 on bad arguments.
    /// </summary>
    internal static class PrepareVerb
    {
        public static Task<int> RunAsync(string[] args)
        {
            var options = new PrepareOptions();
            var files = new List<string>();
            string? outDir = null;
            int parallel = 0;
            try
            {
                for (int i = 0; i < args.Length; i++)
                {
                    string a = args[i];
                    switch (a)
                    {
                        case "--max-side": options.MaxSide = int.Parse(Next(args, ref i), CultureInfo.InvariantCulture); break;
                        case "--max-bytes": options.MaxBytes = long.Parse(Next(args, ref i), CultureInfo.InvariantCulture); break;
                        case "--png": options.Format = PreparedFormat.Png; break;
                        case "--jpeg": options.Format = PreparedFormat.Jpeg; break;
                        case "--webp": options.Format = PreparedFormat.WebP; break;
                        case "--quality": options.Quality = int.Parse(Next(args, ref i), CultureInfo.InvariantCulture); options.AdaptiveQuality = false; break;
                        case "--detail": options.Detail = (ImageDetail)Enum.Parse(typeof(ImageDetail), Next(args, ref i), ignoreCase: true); break;
                        case "--model": options.Model = Next(args, ref i); break;
                        case "--out": outDir = Next(args, ref i); break;
                        case "--parallel": parallel = int.Parse(Next(args, ref i), CultureInfo.InvariantCulture); break;
                        case "--no-pass": options.AllowPassThrough = false; break;
                        case "--allow-partial": options.AllowPartial = true; break;
                        default:
                            if (a.StartsWith("--", StringComparison.Ordinal))
                            {
                                throw new ArgumentException($"unknown option {a}");
                            }
                            files.Add(a);
                            break;
                    }
                }
                if (files.Count == 0)
                {
                    throw new ArgumentException("no files given");
                }
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException || ex is OverflowException)
            {
                Console.Error.WriteLine($"prepare: {ex.Message}");
                return Task.FromResult(2);
            }
            if (outDir is not null)
            {
                Directory.CreateDirectory(outDir);
            }

            var stdout = Console.OpenStandardOutput();
            var writerOptions = new JsonWriterOptions { Indented = false };
            int ok = 0, failed = 0;
            double inputMp = 0;
            var total = Stopwatch.StartNew();
            foreach (PrepareResult r in ImagePreparer.PrepareMany(files, options, parallel))
            {
                using var buffer = new MemoryStream();
                using (var json = new Utf8JsonWriter(buffer, writerOptions))
                {
                    json.WriteStartObject();
                    json.WriteString("file", r.SourceName);
                    json.WriteBoolean("ok", r.Succeeded);
                    PreparedImage? image = r.Image;
                    if (image is not null)
                    {
                        ok++;
                        inputMp += (double)image.SourceWidth * image.SourceHeight / 1e6;
                        // Build the data URL as a real caller would, so its cost is in the timing.
                        string url = image.ToDataUrl();
                        json.WriteString("action", image.Action == PrepareAction.Pass ? "pass" : "reencode");
                        json.WriteString("mime", image.MimeType);
                        json.WriteNumber("width", image.Width);
                        json.WriteNumber("height", image.Height);
                        json.WriteNumber("sourceWidth", image.SourceWidth);
                        json.WriteNumber("sourceHeight", image.SourceHeight);
                        json.WriteNumber("orientation", image.OrientationApplied);
                        json.WriteNumber("bytes", image.Bytes.Length);
                        json.WriteNumber("dataUrlChars", url.Length);
                        json.WriteNumber("tokens", image.EstimatedTokens);
                        json.WriteNumber("ms", Math.Round(r.Elapsed.TotalMilliseconds, 1));
                        json.WriteStartArray("warnings");
                        foreach (string w in image.Warnings)
                        {
                            json.WriteStringValue(w);
                        }
                        json.WriteEndArray();
                        json.WriteNull("error");
                        if (outDir is not null)
                        {
                            string ext = image.MimeType switch { "image/png" => ".png", "image/webp" => ".webp", "image/gif" => ".gif", _ => ".jpg" };
                            File.WriteAllBytes(Path.Combine(outDir, Path.GetFileNameWithoutExtension(r.SourceName) + ext), image.Bytes);
                        }
                    }
                    else
                    {
                        failed++;
                        json.WriteNull("action");
                        json.WriteNull("mime");
                        json.WriteNumber("ms", Math.Round(r.Elapsed.TotalMilliseconds, 1));
                        json.WriteStartArray("warnings");
                        json.WriteEndArray();
                        string reason = r.Error is ImageProcessingException ipe ? ipe.Reason.ToString() : r.Error?.GetType().Name ?? "Error";
                        json.WriteString("error", $"{reason}: {r.Error?.Message}");
                        if (r.Error?.Data["MagickMessage"] is string raw)
                        {
                            json.WriteString("raw", raw); // the codec's own text, as -Debug shows it
                        }
                    }
                    json.WriteEndObject();
                }
                buffer.WriteByte((byte)'\n');
                buffer.Position = 0;
                buffer.CopyTo(stdout);
            }
            double seconds = total.Elapsed.TotalSeconds;
            using (var buffer = new MemoryStream())
            {
                using (var json = new Utf8JsonWriter(buffer, writerOptions))
                {
                    json.WriteStartObject();
                    json.WriteBoolean("summary", true);
                    json.WriteNumber("files", files.Count);
                    json.WriteNumber("ok", ok);
                    json.WriteNumber("failed", failed);
                    json.WriteNumber("inputMegapixels", Math.Round(inputMp, 2));
                    json.WriteNumber("seconds", Math.Round(seconds, 3));
                    json.WriteNumber("megapixelsPerSecond", Math.Round(seconds > 0 ? inputMp / seconds : 0, 1));
                    json.WriteEndObject();
                }
                buffer.WriteByte((byte)'\n');
                buffer.Position = 0;
                buffer.CopyTo(stdout);
            }
            stdout.Flush();
            if (Environment.GetEnvironmentVariable("VISIONPS_TRACE") == "1")
            {
                bool magick = Array.Exists(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "Magick.NET-Q8-AnyCPU");
                Console.Error.WriteLine($"magick-loaded: {(magick ? "yes" : "no")}");
            }
            return Task.FromResult(failed == 0 ? 0 : 1);
        }

        private static string Next(string[] args, ref int i)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{args[i]} needs a value");
            }
            return args[++i];
        }
    }
}
