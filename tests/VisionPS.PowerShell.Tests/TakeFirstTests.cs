using System;
using System.IO;
using System.Linq;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// A script that takes fewer answers than it asked for: <c>Send-VisionChat -PerImage | Select-Object -First 1</c>
    /// (here a <c>break</c> after the first, which stops the command the same way: the hosted engine has no
    /// Select-Object). Once the first answer is taken, no further request is sent.
    /// </summary>
    public sealed class TakeFirstTests : LocalEndpointTests
    {
        public TakeFirstTests()
            : base("sk-visionps-first-NEVER-PRINT-77aa", "first", maxRetries: 0)
        {
        }

        [Fact]
        public void TakingTheFirstAnswerOfAPerImageRunSendsNoFurtherRequest()
        {
            using var ps = Session();
            object[] images = Directory.GetFiles(Paths.Corpus, "*.gif").OrderBy(f => f, StringComparer.Ordinal).Take(4).Cast<object>().ToArray();
            // Each run asks its own question (nothing from the cache); one request at a time, so the first answer comes
            // before any other request may start. The script looks at the first answer a while before it stops.
            for (int run = 0; run < 3; run++)
            {
                int before = Host.State.RequestsTo("/chat/completions").Count;
                var taken = ps.Run("do { $args[1..($args.Count - 1)] | Send-VisionChat \"Describe it ($($args[0])).\" -PerImage -ThrottleLimit 1 -Model gpt-4o | ForEach-Object { [System.Threading.Thread]::Sleep(300); $_; break } } while ($false)",
                    new object[] { run }.Concat(images).ToArray());
                Assert.Single(taken);
                Assert.Empty(ps.Errors);
                Assert.Equal(1, Host.State.RequestsTo("/chat/completions").Count - before);
            }
        }
    }
}
