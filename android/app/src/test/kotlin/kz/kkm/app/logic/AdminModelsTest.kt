package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kz.kkm.core.Bundle
import kz.kkm.core.BundleItem
import kz.kkm.core.OperatorRole
import kz.kkm.sdk.Rig
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The admin screens' view models and the PIN change against the real core. */
class AdminModelsTest {
    private val scope = CoroutineScope(Dispatchers.Unconfined)

    @Test
    fun operatorsWithRolesAndBindingsAndTheirOwnPin(): Unit = Rig().use { rig ->
        val ops = OperatorsModel(rig.kkm, Rig.ADMIN_PIN, scope)
        runBlocking {
            ops.load().join()
            assertEquals(listOf(OperatorRole.ADMINISTRATOR), ops.state.value.operators.map { it.role })
            assertEquals(listOf(rig.kkmId), ops.state.value.kkms.map { it.kkmOfdId })
            ops.save(null, "Айгүл", "1111", OperatorRole.CASHIER, listOf(rig.kkmId)).join()
            ops.save(null, "Ерлан", "2222", OperatorRole.SENIOR_CASHIER, emptyList()).join()
            val aigul = ops.state.value.operators.first { it.name == "Айгүл" }
            assertEquals(listOf(rig.kkmId), aigul.kkmOfdIds)
            // Ерлан is bound to no KKM: code 71 on login.
            val denied = runCatching { rig.kkm.login("2222", rig.kkmId) }.exceptionOrNull() as kz.kkm.sdk.KkmException
            assertEquals(kz.kkm.sdk.KkmException.ACCESS_DENIED, denied.code)
            // The last administrator stays: code 16.
            val admin = ops.state.value.operators.first { it.role == OperatorRole.ADMINISTRATOR }
            ops.delete(admin.id).join()
            assertEquals(16, ops.status.value.code)
            ops.delete(ops.state.value.operators.first { it.name == "Ерлан" }.id).join()
            assertEquals(listOf("Администратор", "Кассир"), ops.state.value.operators.map { OperatorsModel.roleName(it.role) })

            // Айгүл changes her own PIN: typed twice, checked by the register.
            rig.kkm.login("1111", rig.kkmId).use { session ->
                val pin = PinChangeModel(session, scope)
                pin.setNew("5678")
                pin.setConfirm("5679")
                assertFalse(pin.state.value.canSubmit)
                pin.submit().join()
                assertEquals("PIN-коды не совпадают", pin.status.value.message)
                pin.setNew("56 78")
                pin.setConfirm("56 78")
                pin.submit().join()
                assertEquals(11, pin.status.value.code)
                pin.setNew("5678")
                pin.setConfirm("5678")
                pin.submit().join()
                assertTrue(pin.state.value.done)
                assertNull(pin.status.value.message)
                // The session goes on; the old PIN no longer logs in, the new one does.
                session.kkmInfo()
                val old = runCatching { rig.kkm.login("1111", rig.kkmId) }.exceptionOrNull() as kz.kkm.sdk.KkmException
                assertTrue(old.isWrongPin)
                rig.kkm.login("5678", rig.kkmId).close()
            }
        }
    }

    @Test
    fun catalogueProductsBundlesAndCsv(): Unit = Rig().use { rig ->
        rig.admin().use { session ->
            val cat = CatalogueModel(rig.kkm, session, Rig.ADMIN_PIN, scope)
            runBlocking {
                val csv = "Код,Код группы,Баркод,Наименование,Цена,Скидка,НДС\n" +
                    "1,1,4870000000012,Нан,150.00,0.00,12\n" +
                    "2,1,4870000000029,Сүт,420.00,5.00,12\n"
                cat.importCsv(csv.toByteArray()).join()
                assertEquals(2L, cat.state.value.imported)
                assertEquals(listOf("Нан", "Сүт"), cat.state.value.products.map { it.name })
                // A bad cell: code 2, the catalogue unchanged.
                cat.importCsv("3,1,1,X,abc,0,12\n".toByteArray()).join()
                assertEquals(2, cat.status.value.code)
                assertEquals(2, cat.state.value.products.size)

                val milk = cat.state.value.products[1]
                cat.saveProduct(milk.copy(priceTiyn = 450_00, editablePrice = true, markupMilliPercent = 0)).join()
                assertEquals(450_00L, cat.state.value.products[1].priceTiyn)
                assertTrue(cat.state.value.products[1].editablePrice)

                val breakfast = Bundle(10, "Завтрак", "4870000000104", listOf(BundleItem(1, 2000), BundleItem(2, 1000)))
                cat.saveBundle(breakfast).join()
                assertEquals(listOf(breakfast), cat.state.value.bundles)
                cat.saveBundle(breakfast.copy(code = 11, barcode = "4870000000111", items = listOf(BundleItem(99, 1000)))).join()
                assertEquals(2, cat.status.value.code)

                cat.exportCsv().join()
                val exported = String(cat.state.value.exported!!)
                assertTrue(exported, exported.contains("450.00"))
                cat.deleteProduct(1).join()
                assertEquals(listOf("Сүт"), cat.state.value.products.map { it.name })
            }
        }
    }

    @Test
    fun kkmSettingsRegistrationDataTokenNameAndTimeZone(): Unit = Rig().use { rig ->
        val settings = MemorySettings()
        val model = KkmSettingsModel(rig.kkm, Rig.ADMIN_PIN, rig.kkmId, settings, scope)
        runBlocking {
            model.load().join()
            val info = model.state.value.info!!
            assertTrue(info.registrationNumber != null)
            assertEquals(Times.KAZAKHSTAN_OFFSET_SECS, model.state.value.utcOffsetSecs)
            model.rename("Касса у входа").join()
            assertEquals("Касса у входа", model.state.value.info!!.name)
            // The same token again: the OFD accepts it, the name stays.
            model.changeToken(rig.token).join()
            assertNull(model.status.value.message)
            assertEquals("Касса у входа", model.state.value.info!!.name)
            model.changeToken(0).join()
            assertEquals("Введите токен", model.status.value.message)

            model.setTimeZone(6 * 3600L)
            assertEquals(6 * 3600L, settings.utcOffsetSecs)
            assertTrue(model.state.value.reopenNeeded)
            model.setTimeZone(5 * 3600L + 7)
            assertEquals("Неизвестный часовой пояс", model.status.value.message)
            assertEquals(6 * 3600L, settings.utcOffsetSecs)
        }
    }
}
