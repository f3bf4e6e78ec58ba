using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    public class SizeRulesTests
    {
        [Theory]
        [InlineData(5640, 3172, 2048, 1152)]  // 1151.86 rounds up: closer aspect, as Pillow's thumbnail
        [InlineData(3120, 4208, 1518, 2048)]  // 1518.48 rounds down
        [InlineData(2135, 2048, 2048, 1965)]
        [InlineData(4096, 4096, 2048, 2048)]
        [InlineData(2048, 10, 2048, 10)]
        [InlineData(1, 10000, 1, 2048)]       // never below 1 px
        [InlineData(100000, 3, 2048, 1)]
        [InlineData(300, 200, 300, 200)]      // never enlarged
        public void FitWithinKeepsAspectAndRoundsLikePillowThumbnail(int w, int h, int ew, int eh)
        {
            Assert.Equal((ew, eh), SizeRules.FitWithin(w, h, 2048, 2048));
        }

        [Fact]
        public void ShortSideRuleShrinksOnlyWhenNeeded()
        {
            Assert.Equal((1536, 768), SizeRules.ShortSideAtMost(2048, 1024, 768));
            Assert.Equal((768, 1536), SizeRules.ShortSideAtMost(1024, 2048, 768));
            Assert.Equal((700, 2000), SizeRules.ShortSideAtMost(700, 2000, 768));
        }
    }
}
