using System;
using VisionPS.Core.OpenAI;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>Which base URIs are OpenAI itself: api.openai.com and its regional hosts (eu.api.openai.com), one rule everywhere.</summary>
    public sealed class OpenAIHostTests
    {
        [Theory]
        [InlineData("https://api.openai.com/v1", true)]
        [InlineData("https://eu.api.openai.com/v1", true)]
        [InlineData("https://EU.API.OPENAI.COM/v1", true)]
        [InlineData("https://us.api.openai.com/v1", true)]
        [InlineData("https://my.openai.azure.com/openai/v1", true)]
        [InlineData("https://notapi.openai.com/v1", false)]
        [InlineData("https://evilopenai.com/v1", false)]
        [InlineData("https://api.openai.com.example.net/v1", false)]
        [InlineData("http://localhost:11434/v1", false)]
        public void OpenAIAndItsRegionalHostsAreOpenAI(string uri, bool openAI)
        {
            Assert.Equal(openAI, VisionConnection.IsOpenAIOrAzure(new Uri(uri), azure: false));
        }

        [Theory]
        [InlineData("https://eu.api.openai.com/v1", true)]
        [InlineData("https://api.openai.com/v1", true)]
        [InlineData("https://evilopenai.com/v1", false)]
        [InlineData("https://gateway.notopenai.com/v1", false)]
        public void AKeyIsRequiredExactlyForOpenAIHosts(string uri, bool keyRequired)
        {
            var connection = new VisionConnection { BaseUri = new Uri(uri) };
            Exception? error = Record.Exception(() => new VisionClient(connection).Dispose());
            Assert.Equal(keyRequired, error is InvalidOperationException && error.Message.Contains("No OpenAI API key", StringComparison.Ordinal));
        }
    }
}
