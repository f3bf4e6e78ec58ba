using System;
using System.IO;
using VisionPS.Core.Asking;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Asking
{
    /// <summary>The source index's key (a source file to its prepared image) and the model's rules in it.</summary>
    [Collection("VISIONPS_MODELS environment")] // the variable is the process's: tests that set it take turns
    public sealed class PreparedKeyTests
    {
        /// <summary>
        /// The key took the model's whole rules: where they were read (the models.json path), their source notes and their
        /// token prices, none of which changes the image sent, so moving or annotating models.json, or a price update, lost
        /// every cached -PerImage answer. It now takes the rules that size the image, and only those.
        /// </summary>
        [Fact]
        public void OnlyTheRulesThatSizeTheImageChangeTheKey()
        {
            // A name no other test uses, so tests running in parallel see the same rules for every other model.
            string dir = Path.Combine(Path.GetTempPath(), $"visionps-prepared-key-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dir);
            string? before = Environment.GetEnvironmentVariable("VISIONPS_MODELS");
            var question = new AskQuestion { Prepare = new PrepareOptions { Model = "prepared-key-test-model" } };
            int writes = 0;
            string KeyWith(string file, string rules)
            {
                string path = Path.Combine(dir, file);
                File.WriteAllText(path, "{ \"models\": [ { \"name\": \"prepared-key-test-model\", \"family\": \"patch\", " + rules + " } ] }");
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(++writes)); // re-read: the catalog goes by file time and length
                Environment.SetEnvironmentVariable("VISIONPS_MODELS", path);
                Assert.NotNull(ModelVision.Find("prepared-key-test-model"));
                return question.PreparedKey(new string('a', 64));
            }
            try
            {
                string key = KeyWith("models.json", "\"patchBudget\": 1536, \"multiplier\": 1.62, \"source\": \"first notes\"");
                Assert.Equal(key, KeyWith("models.json", "\"patchBudget\": 1536, \"multiplier\": 2.46, \"source\": \"notes edited\""));
                Assert.Equal(key, KeyWith("moved.json", "\"patchBudget\": 1536, \"multiplier\": 1.62, \"source\": \"first notes\""));
                Assert.NotEqual(key, KeyWith("models.json", "\"patchBudget\": 1000, \"multiplier\": 1.62, \"source\": \"first notes\""));
                Assert.NotEqual(key, KeyWith("models.json", "\"patchBudget\": 1536, \"maxSide\": 1024, \"multiplier\": 1.62, \"source\": \"first notes\""));
            }
            finally
            {
                Environment.SetEnvironmentVariable("VISIONPS_MODELS", before);
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
