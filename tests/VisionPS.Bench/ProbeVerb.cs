using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using VisionPS.Core.Imaging;

namespace VisionPS.Bench
{
    /// <summary>
    /// probe [--repeat N] [--per-file] FILE...: reads headers only; prints one line per file, then probes per second.
    /// With --per-file, every file is probed once to warm up and then N times (default 5), and the line ends with the
    /// median milliseconds of one probe.
    /// </summary>
    internal static class ProbeVerb
    {
        public static Task<int> RunAsync(string[] args)
        {
            int repeat = 1, start = 0;
            bool perFile = false;
            for (; start < args.Length && args[start].StartsWith("--", StringComparison.Ordinal); start++)
            {
                if (args[start] == "--repeat")
                {
                    repeat = int.Parse(args[++start], CultureInfo.InvariantCulture);
                }
                else if (args[start] == "--per-file")
                {
                    perFile = true;
                }
            }
            return Task.FromResult(perFile ? PerFile(args, start, Math.Max(repeat, 5)) : Throughput(args, start, repeat));
        }

        private static int Throughput(string[] args, int start, int repeat)
        {
            var sw = Stopwatch.StartNew();
            int n = 0, failed = 0;
            for (int r = 0; r < repeat; r++)
            {
                for (int i = start; i < args.Length; i++)
                {
                    string? line = Describe(args[i], out bool ok);
                    if (r == 0)
                    {
                        Console.WriteLine(line);
                    }
                    failed += ok ? 0 : 1;
                    n++;
                }
            }
            Console.WriteLine($"probes={n} failed={failed} seconds={sw.Elapsed.TotalSeconds:0.000} perSecond={n / sw.Elapsed.TotalSeconds:0}");
            return 0;
        }

        private static int PerFile(string[] args, int start, int repeat)
        {
            for (int i = start; i < args.Length; i++)
            {
                string line = Describe(args[i], out _);
                var times = new List<double>();
                for (int r = 0; r < repeat; r++)
                {
                    var sw = Stopwatch.StartNew();
                    Describe(args[i], out _);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0}\tmedianMs={1:0.000}", line, times[times.Count / 2]));
            }
            return 0;
        }

        private static string Describe(string file, out bool ok)
        {
            try
            {
                ImageHeader h = ImageProbe.Probe(file);
                ok = true;
                return $"{file}\t{h.Format}\t{h.Width}x{h.Height}\to{h.Orientation}\t{h.ColorType}/{h.BitDepth}\talpha={h.HasAlpha}\tframes={h.FrameCount}\t{h.Mime}";
            }
            catch (ImageProcessingException ex)
            {
                ok = false;
                return $"{file}\t{ex.Reason}\t{ex.Message}";
            }
        }
    }
}
