using System;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    public class ResamplerTests
    {
        /// <summary>The machines CI runs on have AVX2, so the theory below checks the AVX2 pass, not only a fallback.</summary>
        [Fact]
        public void ThisMachineRunsTheAvx2HorizontalPass()
        {
            Assert.True(System.Runtime.Intrinsics.X86.Avx2.IsSupported,
                "no AVX2 here: TheVectorHorizontalPassMatchesPlainIntegerCode checks only the fallback paths on this machine");
        }

        /// <summary>
        /// The vector horizontal pass (four outputs at a time, with a remainder; an odd last weight pair when the taps
        /// come in pairs of 2 mod 4) gives exactly the bytes of plain integer code, including where Lanczos' lobes
        /// overshoot 0..255 and must be clamped.
        /// </summary>
        [Theory]
        [InlineData(2560, 2048)] // 8 taps: two groups of four
        [InlineData(3000, 2048)] // 10 taps: an odd last pair
        [InlineData(4000, 2000)] // 14 taps
        [InlineData(5120, 2048)] // 16 taps
        [InlineData(333, 111)]   // 20 taps
        [InlineData(1000, 3)]    // fewer outputs than one group of four
        [InlineData(1001, 7)]    // one group and a remainder of three
        [InlineData(50, 123)]    // enlarging
        [InlineData(17, 5)]
        [InlineData(3000, 2047)] // an odd last pair in the remainder after the groups of four
        [InlineData(4000, 1999)]
        [InlineData(2, 9)]       // a 2-pixel source: one pair, no group of four taps
        [InlineData(6, 9)]       // a 6-pixel source: one group and an odd last pair
        [InlineData(4, 9)]
        [InlineData(9, 7)]       // windows shifted left at the right edge
        [InlineData(7, 3)]       // an odd number of taps: the plain vector path
        public void TheVectorHorizontalPassMatchesPlainIntegerCode(int sw, int dw)
        {
            var random = new Random(sw * 7919 + dw);
            foreach (string pattern in new[] { "noise", "edges", "flat" })
            {
                byte[] row = new byte[sw * 4];
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] = pattern switch
                    {
                        "noise" => (byte)random.Next(256),
                        // Hard 0/255 steps: the negative lobes push sums below 0 and above 255.
                        "edges" => (byte)(((i / 4) / 3) % 2 == 0 ? 0 : 255),
                        _ => (byte)200,
                    };
                }
                (byte[] used, byte[] plain) = Resampler.HorizontalBothWays(row, sw, dw);
                for (int i = 0; i < used.Length; i++)
                {
                    Assert.True(used[i] == plain[i],
                        $"{pattern} {sw}->{dw}: output {i / 4} channel {i % 4} is {used[i]}, plain code gives {plain[i]}");
                }
                if (pattern == "flat")
                {
                    Assert.All(used, b => Assert.Equal(200, b)); // unity gain
                }
                if (pattern == "edges" && dw < sw)
                {
                    Assert.Contains(used, b => b != 0 && b != 255);
                }
            }
        }
    }
}
