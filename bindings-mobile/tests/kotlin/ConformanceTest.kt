// Runs every conformance vector (tests/vectors/*.json at the repo root, plus every *.json in
// $FESTIVAL_VECTORS_DIR) through conformanceExecute and compares with the expected JSON by deep
// equality, or the expected error code and details subset — exactly what the Rust runner checks.
package org.festivalcore.mobile.test

import org.festivalcore.mobile.*
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail

class ConformanceTest {
    private fun vectorFiles(): List<File> {
        val root = System.getProperty("festival.root") ?: error("run with -Dfestival.root=<repo root>")
        val dirs = mutableListOf(File(root, "tests/vectors"))
        System.getenv("FESTIVAL_VECTORS_DIR")?.takeIf { it.isNotEmpty() }?.let { dirs.add(File(it)) }
        return dirs.flatMap { d ->
            val files = d.listFiles { f -> f.isFile && f.name.endsWith(".json") } ?: error("cannot read $d")
            files.sortedBy { it.name }
        }
    }

    @TestFactory
    @Suppress("UNCHECKED_CAST")
    fun vectors(): List<DynamicTest> {
        val tests = mutableListOf<DynamicTest>()
        for (file in vectorFiles()) {
            val doc = Json.parse(file.readText()) as Map<String, Any?>
            val vectors = doc["vectors"] as? List<Map<String, Any?>> ?: error("${file.name}: no vectors array")
            for (v in vectors) {
                tests.add(DynamicTest.dynamicTest("${file.name} :: ${v["name"]}") { run(v) })
            }
        }
        assertTrue(tests.isNotEmpty(), "no vectors found")
        return tests
    }

    @Suppress("UNCHECKED_CAST")
    private fun run(v: Map<String, Any?>) {
        val op = v["op"] as String
        val input = Json.write(v["input"])
        val expected = v["expected"]
        val expectedError = v["expected_error"] as String?
        assertTrue(v.containsKey("expected") != (expectedError != null), "vector needs exactly one of expected / expected_error")
        if (expectedError == null) {
            val out = try {
                conformanceExecute(op, input)
            } catch (e: FestivalException) {
                fail("unexpected error ${e.message}")
            }
            assertEquals(expected, Json.parse(out), "output of $op")
        } else {
            try {
                val out = conformanceExecute(op, input)
                fail("expected error $expectedError, got $out")
            } catch (e: FestivalException) {
                assertEquals(expectedError, e.errorCode, e.message)
                val want = v["expected_details"] as Map<String, Any?>?
                if (want != null) {
                    val got = details(e)
                    for ((k, value) in want) assertEquals(value, got[k], "details.$k of ${e.message}")
                }
            }
        }
    }
}
