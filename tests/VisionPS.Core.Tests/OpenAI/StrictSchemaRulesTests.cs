using VisionPS.Core.OpenAI;
using Xunit;

namespace VisionPS.Core.Tests.OpenAI
{
    /// <summary>
    /// The -JsonSchema pre-check refuses only what OpenAI's Structured Outputs guide says strict mode does not support: a
    /// wrong refusal leaves the user no way to send the schema (VisionPS always sends strict), a missed one costs a free 400.
    /// </summary>
    public class StrictSchemaRulesTests
    {
        /// <summary>The guide's own examples (platform.openai.com/docs/guides/structured-outputs): each one is taken.</summary>
        [Theory]
        // Recursion with "$ref": "#" (the UI generation example), enum, nested arrays of objects.
        [InlineData("{\"type\":\"object\",\"properties\":{\"type\":{\"type\":\"string\",\"description\":\"The type of the UI component\",\"enum\":[\"div\",\"button\",\"header\",\"section\",\"field\",\"form\"]},\"label\":{\"type\":\"string\"},\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}},\"attributes\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"value\":{\"type\":\"string\"}},\"additionalProperties\":false,\"required\":[\"name\",\"value\"]}}},\"required\":[\"type\",\"label\",\"children\",\"attributes\"],\"additionalProperties\":false}")]
        // $defs with a recursive reference and anyOf with null (the linked list example).
        [InlineData("{\"type\":\"object\",\"properties\":{\"linked_list\":{\"$ref\":\"#/$defs/linked_list_node\"}},\"$defs\":{\"linked_list_node\":{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"number\"},\"next\":{\"anyOf\":[{\"$ref\":\"#/$defs/linked_list_node\"},{\"type\":\"null\"}]}},\"additionalProperties\":false,\"required\":[\"next\",\"value\"]}},\"additionalProperties\":false,\"required\":[\"linked_list\"]}")]
        // anyOf of two objects (the user-or-address example), description.
        [InlineData("{\"type\":\"object\",\"properties\":{\"item\":{\"anyOf\":[{\"type\":\"object\",\"description\":\"The user object to insert into the database\",\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"number\"}},\"additionalProperties\":false,\"required\":[\"name\",\"age\"]},{\"type\":\"object\",\"description\":\"The address object to insert into the database\",\"properties\":{\"number\":{\"type\":\"string\"},\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}},\"additionalProperties\":false,\"required\":[\"number\",\"street\",\"city\"]}]}},\"additionalProperties\":false,\"required\":[\"item\"]}")]
        // A type array for an optional field, string/number constraints the guide lists as supported.
        [InlineData("{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\",\"description\":\"The location to get the weather for\"},\"unit\":{\"type\":[\"string\",\"null\"],\"description\":\"The unit to return the temperature in\",\"enum\":[\"F\",\"C\"]},\"email\":{\"type\":\"string\",\"format\":\"email\",\"pattern\":\"^.+@.+$\"},\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":150},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,\"maxItems\":5}},\"additionalProperties\":false,\"required\":[\"location\",\"unit\",\"email\",\"age\",\"tags\"]}")]
        // The math reasoning example: an array of objects with a final answer.
        [InlineData("{\"type\":\"object\",\"properties\":{\"steps\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"explanation\":{\"type\":\"string\"},\"output\":{\"type\":\"string\"}},\"required\":[\"explanation\",\"output\"],\"additionalProperties\":false}},\"final_answer\":{\"type\":\"string\"}},\"required\":[\"steps\",\"final_answer\"],\"additionalProperties\":false}")]
        public void TheGuidesExamplesAreTaken(string schema) => Assert.Null(StrictSchemaRules.Problem(schema));

        /// <summary>Keywords older versions of the guide listed as unsupported, which the current one does not: taken.</summary>
        [Theory]
        [InlineData("\"uniqueItems\":true")]
        [InlineData("\"contains\":{\"type\":\"string\"}")]
        [InlineData("\"minContains\":1")]
        [InlineData("\"maxContains\":2")]
        [InlineData("\"unevaluatedItems\":false")]
        public void ArrayKeywordsTheCurrentGuideDoesNotListAreTaken(string keyword) =>
            Assert.Null(StrictSchemaRules.Problem("{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}," + keyword + "}},\"required\":[\"t\"],\"additionalProperties\":false}"));

        [Theory]
        [InlineData("\"minProperties\":1")]
        [InlineData("\"maxProperties\":3")]
        [InlineData("\"propertyNames\":{\"pattern\":\"^[a-z]+$\"}")]
        [InlineData("\"unevaluatedProperties\":false")]
        [InlineData("\"patternProperties\":{\"^x\":{\"type\":\"string\"}}")]
        public void ObjectKeywordsTheCurrentGuideDoesNotListForEveryModelAreTaken(string keyword) =>
            Assert.Null(StrictSchemaRules.Problem("{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"],\"additionalProperties\":false," + keyword + "}},\"required\":[\"o\"],\"additionalProperties\":false}"));

        /// <summary>The guide's "not yet supported" list is refused, naming the keyword.</summary>
        [Theory]
        [InlineData("allOf", "[{\"type\":\"string\"}]")]
        [InlineData("not", "{\"type\":\"number\"}")]
        [InlineData("if", "{\"type\":\"string\"}")]
        [InlineData("then", "{\"type\":\"string\"}")]
        [InlineData("else", "{\"type\":\"string\"}")]
        [InlineData("dependentRequired", "{}")]
        [InlineData("dependentSchemas", "{}")]
        public void TheGuidesUnsupportedKeywordsAreRefused(string keyword, string value) =>
            Assert.Equal($"property 'a' uses '{keyword}', which strict mode does not permit.",
                StrictSchemaRules.Problem("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"" + keyword + "\":" + value + "}},\"required\":[\"a\"],\"additionalProperties\":false}"));

        private static string Nested(int levels, System.Func<string, string> wrap)
        {
            string schema = "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\"}},\"required\":[\"v\"],\"additionalProperties\":false}";
            for (int i = 1; i < levels; i++)
            {
                schema = "{\"type\":\"object\",\"properties\":{\"n\":" + wrap(schema) + "},\"required\":[\"n\"],\"additionalProperties\":false}";
            }
            return schema;
        }

        /// <summary>
        /// Nesting counts object levels only: an optional object (anyOf [object, null]) or an array of objects is one
        /// level, as a plain object or type ['object', 'null'] is. The root and 10 levels in it are taken, 11 are not.
        /// </summary>
        [Theory]
        [InlineData("plain")]
        [InlineData("anyOf")]
        [InlineData("array")]
        public void NestingCountsObjectLevelsOnly(string how)
        {
            System.Func<string, string> wrap = how switch
            {
                "anyOf" => s => "{\"anyOf\":[" + s + ",{\"type\":\"null\"}]}",
                "array" => s => "{\"type\":\"array\",\"items\":" + s + "}",
                _ => s => s,
            };
            Assert.Null(StrictSchemaRules.Problem(Nested(6, wrap)));
            Assert.Null(StrictSchemaRules.Problem(Nested(11, wrap)));
            Assert.Contains("nested more than 10 levels deep", StrictSchemaRules.Problem(Nested(12, wrap)), System.StringComparison.Ordinal);
        }
    }
}
